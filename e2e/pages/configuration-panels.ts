import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for a project's Environment and Secrets panels (issue 25). */
export class ConfigurationPanels {
  constructor(readonly page: Page) {}

  environment(): Locator {
    return this.page.getByTestId('environment-panel');
  }

  secrets(): Locator {
    return this.page.getByTestId('secrets-panel');
  }

  envRows(): Locator {
    return this.environment().getByTestId('env-row');
  }

  /** The row whose name field holds `name`. */
  envRow(name: string): Locator {
    return this.envRows().filter({ has: this.page.locator(`[data-testid="env-name"][value="${name}"]`) });
  }

  /** Adds an empty row and types a variable into it (nothing is saved yet). */
  async addVariable(name: string, value: string): Promise<Locator> {
    await this.environment().getByTestId('env-add').click();
    const row = this.envRows().last();
    await row.getByTestId('env-name').fill(name);
    await row.getByTestId('env-value').fill(value);
    return row;
  }

  async saveEnvironment(): Promise<void> {
    await this.environment().getByTestId('env-save').click();
  }

  async expectSaved(): Promise<void> {
    await expect(this.environment()).toContainText('Saved');
  }

  environmentError(): Locator {
    return this.environment().getByTestId('environment-error');
  }

  secretRow(name: string): Locator {
    return this.secrets().locator(`[data-testid="secret-row"][data-name="${name}"]`);
  }

  /** Sets (or, for a name already there, replaces) a secret through the form. */
  async setSecret(name: string, value: string): Promise<void> {
    const panel = this.secrets();
    await panel.getByTestId('secret-name').fill(name);
    await panel.getByTestId('secret-value').fill(value);
    await panel.getByTestId('secret-set').click();
    await expect(panel.getByTestId('secrets-done')).toContainText(name);
  }

  async replaceSecret(name: string, value: string): Promise<void> {
    await this.secretRow(name).getByTestId('secret-replace').click();
    const panel = this.secrets();
    await expect(panel.getByTestId('secret-name')).toHaveValue(name);
    await expect(panel.getByTestId('secret-value')).toBeFocused();
    await panel.getByTestId('secret-value').fill(value);
    await expect(panel.getByTestId('secret-set')).toHaveText('Replace secret');
    await panel.getByTestId('secret-set').click();
    await expect(panel.getByTestId('secrets-done')).toHaveText(`Replaced ${name}`);
  }

  async removeSecret(name: string): Promise<void> {
    await this.secretRow(name).getByTestId('secret-remove').click();
    await expect(this.secretRow(name)).toHaveCount(0);
  }
}
