// The desktop app only boots: single-instance lock, the server in-process on 127.0.0.1, and a
// locked-down window showing the same console the browser gets. Every feature lives in server/.
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, shell, Tray, nativeImage } from 'electron';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, resolveConfig, DEFAULT_PORT, type SwiftLambdaServer } from 'swiftlambda-local/server';
import { isAllowedNavigation, parseExternalUrl } from './navigation.js';
import { isPortFree } from './port.js';

interface AppSettings {
  /** stop live runs when the app quits (otherwise they are re-attached at the next start) */
  stopRunsOnQuit: boolean;
}

const here = fileURLToPath(new URL('.', import.meta.url));
let server: SwiftLambdaServer | undefined;
let window: BrowserWindow | undefined;
// held for the life of the app: a Tray that is garbage-collected disappears from the menu bar
let tray: Tray | undefined;
let settings: AppSettings = { stopRunsOnQuit: true };

const settingsFile = () => join(app.getPath('userData'), 'settings.json');

async function loadSettings(): Promise<void> {
  try {
    settings = { ...settings, ...(JSON.parse(await readFile(settingsFile(), 'utf8')) as Partial<AppSettings>) };
  } catch {
    // defaults
  }
}

async function saveSettings(): Promise<void> {
  await writeFile(settingsFile(), JSON.stringify(settings, null, 2));
}

async function startServer(): Promise<SwiftLambdaServer> {
  const port = (await isPortFree(DEFAULT_PORT, '127.0.0.1')) ? DEFAULT_PORT : 0;
  const config = resolveConfig(
    ['--host', '127.0.0.1', '--port', String(port), '--data-dir', join(app.getPath('userData'), 'data')],
    process.env,
  );
  const s = await createServer({ config });
  await s.listen();
  return s;
}

function consoleUrl(): string {
  return `${server!.url()}/?token=${server!.consoleToken}`;
}

function openConsole(): void {
  if (window && !window.isDestroyed()) {
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
  const origin = server!.url();
  window.webContents.setWindowOpenHandler(({ url }) => {
    const external = parseExternalUrl(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url, origin)) return;
    event.preventDefault();
    const external = parseExternalUrl(url);
    if (external) void shell.openExternal(external);
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  void window.loadURL(consoleUrl());
}

function buildMenu(): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'SwiftLambda',
      submenu: [
        { label: 'Open console', accelerator: 'CmdOrCtrl+O', click: openConsole },
        { label: 'Copy API URL', accelerator: 'CmdOrCtrl+Shift+C', click: () => clipboard.writeText(server!.url()) },
        {
          label: 'Stop live runs on quit',
          type: 'checkbox',
          checked: settings.stopRunsOnQuit,
          click: (item) => {
            settings.stopRunsOnQuit = item.checked;
            void saveSettings();
          },
        },
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
        { label: 'Open console', click: openConsole },
        { label: 'Copy API URL', click: () => clipboard.writeText(server!.url()) },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  }
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', openConsole);
  await app.whenReady();
  await loadSettings();
  try {
    server = await startServer();
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
  app.on('activate', openConsole);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !server) return;
    event.preventDefault();
    quitting = true;
    void server.close({ stopRuns: settings.stopRunsOnQuit }).finally(() => app.quit());
  });
}

void main();
