import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for a project's page: its settings and the development loop (issue 15). */
export class ProjectPage {
  constructor(readonly page: Page) {}

  get id(): Promise<string> {
    return this.page.getByTestId('project-detail').getAttribute('data-project-id').then((id) => id!);
  }

  async saveSettings(settings: { buildConfiguration?: 'release' | 'debug'; stopGraceSeconds?: number }): Promise<void> {
    const form = this.page.getByTestId('project-settings');
    if (settings.buildConfiguration) await form.getByTestId('setting-build-configuration').selectOption(settings.buildConfiguration);
    if (settings.stopGraceSeconds !== undefined) await form.getByTestId('setting-stop-grace').fill(String(settings.stopGraceSeconds));
    await form.getByTestId('save-settings').click();
    await expect(form).toContainText('Saved');
  }

  watchSwitch(): Locator {
    return this.page.getByTestId('watch-switch');
  }

  async setWatch(on: boolean): Promise<void> {
    if ((await this.watchSwitch().getAttribute('aria-checked')) !== String(on)) await this.watchSwitch().click();
    await expect(this.watchSwitch()).toHaveAttribute('aria-checked', String(on));
  }

  /** Starts a service run from the loop's panel (the page stays) and returns its id once it serves the dev URL. */
  async startDevService(): Promise<string> {
    await this.page.getByTestId('dev-start-service').click();
    await expect(this.servingRun()).not.toHaveAttribute('data-run-id', '', { timeout: 30_000 });
    return (await this.servingRun().getAttribute('data-run-id'))!;
  }

  async devUrl(): Promise<string> {
    return (await this.page.getByTestId('dev-url').textContent())!;
  }

  servingRun(): Locator {
    return this.page.getByTestId('serving-run');
  }

  loopProblem(): Locator {
    return this.page.getByTestId('dev-problem');
  }

  problems(): Locator {
    return this.page.getByTestId('problems').getByTestId('problem');
  }

  runReplacing(shortRunId: string): Locator {
    return this.page.getByTestId('project-runs').getByTestId('run-replaces').filter({ hasText: `replaced ${shortRunId}` });
  }
}
