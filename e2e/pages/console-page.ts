import { fileURLToPath } from 'node:url';
import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the console: navigation and the data-testid hooks the specs rely on. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  async signIn(token: string): Promise<void> {
    await this.page.goto(`/?token=${token}`);
    await expect(this.page).toHaveURL(/\/(#\/runs)?$/);
    await expect(this.page.getByTestId('docker-status')).toHaveAttribute('data-available', 'true');
  }

  async open(section: 'runs' | 'projects' | 'keys'): Promise<void> {
    await this.page.getByTestId(`nav-${section}`).click();
  }

  projectRow(name: string): Locator {
    return this.page.getByTestId('project-row').filter({ hasText: name });
  }

  async addExample(name: 'hello' | 'echo-service'): Promise<string> {
    await this.open('projects');
    const more = this.page.getByRole('button', { name, exact: true });
    if (await this.page.getByTestId(`add-example-${name}`).count())
      await this.page.getByTestId(`add-example-${name}`).click();
    else await more.click();
    await expect(this.page.getByTestId('project-detail')).toBeVisible();
    return (await this.page.getByTestId('project-detail').getAttribute('data-project-id'))!;
  }

  /**
   * Creates a project with the New project form (the folder's path typed, the target picked from
   * what its Package.swift declares); returns its LAMBDA_ID once its page is shown.
   */
  async createProject(name: string, sourcePath: string, targetName: string, image?: string): Promise<string> {
    await this.open('projects');
    await this.page.getByTestId('new-project').click();
    await this.page.getByTestId('project-path').fill(sourcePath);
    await expect(this.page.getByTestId('project-target').locator('option', { hasText: targetName })).toHaveCount(1);
    await this.page.getByTestId('project-target').selectOption(targetName);
    await this.page.getByTestId('project-name').fill(name);
    if (image) await this.page.getByTestId('project-image').selectOption(image);
    await this.page.getByTestId('create-project').click();
    await expect(this.page.getByTestId('project-detail')).toBeVisible();
    return (await this.page.getByTestId('project-detail').getAttribute('data-project-id'))!;
  }

  async buildCurrentProject(): Promise<void> {
    await this.page.getByTestId('build-button').click();
    const state = this.page.getByTestId('compilation-state').first();
    await expect(state).toHaveAttribute('data-state', /succeeded|failed/, { timeout: 180_000 });
    await expect(state).toHaveAttribute('data-state', 'succeeded');
  }

  async startRun(mode: 'oneShot' | 'service', args: string[] = []): Promise<string> {
    await this.page.getByTestId('start-run').click();
    const dialog = this.page.getByTestId('start-run-dialog');
    await dialog.getByTestId(`mode-${mode}`).check({ force: true });
    for (const a of args) {
      await dialog.getByTestId('add-argument').click();
      await dialog.getByTestId('run-argument').last().fill(a);
    }
    await dialog.getByTestId('confirm-start-run').click();
    await expect(this.page.getByTestId('run-detail')).toBeVisible();
    return (await this.page.getByTestId('run-detail').getAttribute('data-run-id'))!;
  }

  runState(): Locator {
    return this.page.getByTestId('run-detail').getByTestId('run-state');
  }

  logLines(): Locator {
    return this.page.getByTestId('log-line');
  }

  /** Creates a key in the dialog (submitted with Enter when `submit` says so); returns its secret, shown once. */
  async createKey(name: string, submit: 'click' | 'enter' = 'click'): Promise<string> {
    await this.open('keys');
    await this.page.getByTestId('create-key').click();
    const dialog = this.page.getByTestId('create-key-dialog');
    await dialog.getByTestId('expiry-30-days').check({ force: true });
    await dialog.getByTestId('key-name').fill(name);
    if (submit === 'enter') await dialog.getByTestId('key-name').press('Enter');
    else await dialog.getByTestId('confirm-create-key').click();
    const secret = (await this.page.getByTestId('key-secret').textContent())!.trim();
    return secret;
  }

  /** The console's calls to its API (and the public one) made while `during` runs. */
  async apiCallsDuring(during: () => Promise<void>): Promise<string[]> {
    const calls: string[] = [];
    const record = (req: { url(): string; method(): string }) => {
      const url = new URL(req.url());
      if (url.pathname.startsWith('/console/api') || url.pathname.startsWith('/lambdas'))
        calls.push(`${req.method()} ${url.pathname}${url.search}`);
    };
    this.page.on('request', record);
    await during();
    this.page.off('request', record);
    return calls;
  }

  /** How far the page's content scrolls sideways (0 or less: not at all). */
  async horizontalOverflow(): Promise<number> {
    return this.page.locator('.content').evaluate((el) => el.scrollWidth - el.clientWidth);
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: fileURLToPath(new URL(`../screenshots/${name}.png`, import.meta.url)) });
  }
}
