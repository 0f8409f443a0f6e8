// Sandboxed preload: exposes one checked capability, the native folder picker. The console
// otherwise talks to the server over HTTP like any browser.
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('swiftlambdaDesktop', {
  pickFolder: (): Promise<string | null> => ipcRenderer.invoke('swiftlambda:pick-folder'),
});
