import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for a project's page: its settings, the development loop (issue 15), its image, delete, curl. */
export class ProjectPage {
  constructor(readonly page: Page) {}

  get id(): Promise<string> {
    return this.page
      .getByTestId('project-detail')
      .getAttribute('data-project-id')
      .then((id) => id!);
  }

  async saveSettings(settings: { buildConfiguration?: 'release' | 'debug'; stopGraceSeconds?: number }): Promise<void> {
    const form = this.page.getByTestId('project-settings');
    if (settings.buildConfiguration)
      await form.getByTestId('setting-build-configuration').selectOption(settings.buildConfiguration);
    if (settings.stopGraceSeconds !== undefined)
      await form.getByTestId('setting-stop-grace').fill(String(settings.stopGraceSeconds));
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
  /** The run the dev URL serves once Watch has started one (after the first good build). */
  async firstServedRun(): Promise<string> {
    await expect(this.servingRun()).not.toHaveAttribute('data-run-id', '', { timeout: 60_000 });
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
    return this.page
      .getByTestId('project-runs')
      .getByTestId('run-replaces')
      .filter({ hasText: `replaced ${shortRunId}` });
  }

  /** Opens the project's page the way a link does (a hash change, no reload). */
  async open(projectId: string): Promise<void> {
    await this.page.evaluate((id) => {
      window.location.hash = `#/projects/${id}`;
    }, projectId);
    await expect(this.page.getByTestId('project-detail')).toHaveAttribute('data-project-id', projectId);
  }

  imageMissing(): Locator {
    return this.page.getByTestId('image-missing');
  }

  settingsError(): Locator {
    return this.page.getByTestId('settings-error');
  }

  /** The terminal commands with the chosen key's secret in them. */
  curlCode(): Locator {
    return this.page.getByTestId('project-curl-code');
  }

  async delete(): Promise<void> {
    await this.page.getByTestId('delete-project').click();
    const dialog = this.page.getByTestId('delete-project-dialog');
    await expect(dialog).toBeVisible();
    await dialog.getByTestId('confirm-action').click();
    await expect(this.page.getByTestId('projects-table').or(this.page.getByTestId('projects-empty'))).toBeVisible();
  }
}
