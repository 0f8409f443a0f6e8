// The desktop app only boots: single-instance lock, the emulator that owns the shared data dir
// (attached to when one is live, else started in-process), a locked-down window showing the same
// console the browser gets, and native notifications from its change stream. Every feature lives
// in server/.
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, Notification, shell, Tray, nativeImage } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  createServer,
  readEventStream,
  resolveConfig,
  writeServerJson,
  DEFAULT_PORT,
  type SwiftLambdaServer,
} from 'swiftlambda-local/server';
import { isAllowedNavigation, parseExternalUrl } from './navigation.js';
import { NotificationMapper } from './notifications.js';
import { isPortFree } from './port.js';
import { findLiveServer, moveEarlierDataDir } from './server-owner.js';

/** The emulator the window shows: started here (owned) or another process's (attached). */
interface Target {
  readonly url: string;
  readonly consoleToken: string;
  readonly owned: SwiftLambdaServer | null;
}

const here = fileURLToPath(new URL('.', import.meta.url));
let target: Target | undefined;
let window: BrowserWindow | undefined;
// held for the life of the app: a Tray that is garbage-collected disappears from the menu bar
let tray: Tray | undefined;
let quitting = false;

/** The shared data dir's server: the live one that owns it, else one started in this process. */
async function connect(): Promise<Target> {
  const config = resolveConfig(['--host', '127.0.0.1'], process.env);
  const moved = await moveEarlierDataDir(join(app.getPath('userData'), 'data'), config.dataDir);
  if (moved === 'moved') console.error(`moved the app's data to the shared data dir ${config.dataDir}`);
  const live = await findLiveServer(config.dataDir);
  if (live) return { url: live.url, consoleToken: live.consoleToken, owned: null };
  const port = (await isPortFree(DEFAULT_PORT, '127.0.0.1')) ? DEFAULT_PORT : 0;
  const server = await createServer({ config: { ...config, port } });
  const url = await server.listen();
  // how the CLI, `npm start` and a second app find this server
  await writeServerJson(config.dataDir, { url, consoleToken: server.consoleToken, pid: process.pid });
  return { url, consoleToken: server.consoleToken, owned: server };
}

/** Shows the console (at a hash route such as `#/runs/p/r`, or where it was). */
function openConsole(route?: string): void {
  const { url, consoleToken } = target!;
  if (window && !window.isDestroyed()) {
    if (route) void window.loadURL(`${url}/${route}`);
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 560,
    title: 'SwiftLambda Local',
    backgroundColor: '#0f1115',
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: join(here, 'preload.cjs'),
    },
  });
  window.webContents.setWindowOpenHandler(({ url: opened }) => {
    const external = parseExternalUrl(opened);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, to) => {
    if (isAllowedNavigation(to, url)) return;
    event.preventDefault();
    const external = parseExternalUrl(to);
    if (external) void shell.openExternal(external);
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  // `/?token=` signs the window in, then the console shows the route
  void window.loadURL(`${url}/?token=${consoleToken}`).then(() => {
    if (route && window && !window.isDestroyed()) void window.loadURL(`${url}/${route}`);
  });
}

/** Native notifications for what the change stream reports (a watched build failing, a crash). */
async function followNotifications(): Promise<void> {
  const { url, consoleToken } = target!;
  const headers = { authorization: `Bearer ${consoleToken}` };
  while (!quitting) {
    try {
      const projects = await fetch(`${url}/console/api/projects`, { headers }).then((r) => r.json());
      const mapper = new NotificationMapper((projects as { projects: [] }).projects);
      const res = await fetch(`${url}/console/api/events`, { headers });
      if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
      for await (const event of readEventStream(res.body)) {
        if (quitting) return;
        const notice = mapper.map({ type: event.type, data: JSON.parse(event.data) as never });
        if (!notice || !Notification.isSupported()) continue;
        const shown = new Notification({ title: notice.title, body: notice.body });
        shown.on('click', () => openConsole(notice.route));
        shown.show();
      }
    } catch {
      // the server restarted or went away: try again
    }
    await sleep(3000);
  }
}

function buildMenu(): void {
  const copyUrl = () => clipboard.writeText(target!.url);
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'SwiftLambda',
      submenu: [
        { label: 'Open console', accelerator: 'CmdOrCtrl+O', click: () => openConsole() },
        { label: 'Copy API URL', accelerator: 'CmdOrCtrl+Shift+C', click: copyUrl },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  const icon = join(here, '../../resources/icons/tray.png');
  if (existsSync(icon)) {
    tray = new Tray(nativeImage.createFromPath(icon));
    app.on('before-quit', () => tray?.destroy());
    tray.setToolTip('SwiftLambda Local');
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open console', click: () => openConsole() },
        { label: 'Copy API URL', click: copyUrl },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  }
}

/**
 * Quitting an app that owns the emulator: live runs are stopped gracefully, after asking when
 * there are any. An attached emulator (`npm start`, another process) is left running.
 */
async function closeOwnedServer(server: SwiftLambdaServer): Promise<boolean> {
  const live = server.services.runs.liveRuns().length;
  let stopRuns = true;
  if (live > 0) {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      message: `${live} run${live === 1 ? ' is' : 's are'} still live`,
      detail:
        'Stopping sends each program SIGTERM and waits its stop grace. Left running, they are re-attached the next time the emulator starts.',
      buttons: ['Stop them and quit', 'Leave them running and quit', 'Cancel'],
      defaultId: 0,
      cancelId: 2,
    });
    if (response === 2) return false;
    stopRuns = response === 0;
  }
  await server.close({ stopRuns });
  return true;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => openConsole());
  await app.whenReady();
  try {
    target = await connect();
  } catch (err) {
    dialog.showErrorBox('SwiftLambda Local could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return;
  }
  // The preload's one capability: a native folder picker for a project's source.
  ipcMain.handle('swiftlambda:pick-folder', async (event) => {
    if (!window || event.sender !== window.webContents) return null;
    const result = await dialog.showOpenDialog(window, {
      properties: ['openDirectory'],
      title: 'Choose a Swift package folder',
    });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  buildMenu();
  openConsole();
  void followNotifications();
  app.on('activate', () => openConsole());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    const owned = target?.owned;
    if (quitting || !owned) {
      quitting = true;
      return;
    }
    event.preventDefault();
    void closeOwnedServer(owned).then((closed) => {
      if (!closed) return;
      quitting = true;
      app.quit();
    });
  });
}

void main();
