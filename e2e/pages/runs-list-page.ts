import { expect, type Locator, type Page } from '@playwright/test';

/** Page object for the runs list: its rows, Stop all and the confirmation it asks for. */
export class RunsListPage {
  constructor(readonly page: Page) {}

  row(runId: string): Locator {
    return this.page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  }

  state(runId: string): Locator {
    return this.row(runId).getByTestId('run-state');
  }

  stopAllButton(): Locator {
    return this.page.getByTestId('stop-all');
  }

  /** Clicks Stop all and returns the confirmation, which lists the projects whose live runs it stops. */
  async askStopAll(): Promise<Locator> {
    await this.stopAllButton().click();
    const dialog = this.page.getByTestId('stop-all-dialog');
    await expect(dialog).toBeVisible();
    return dialog;
  }

  /**
   * Records in the page when each run row shows each state (Date.now() at the DOM change), to
   * measure how soon a change on the server reaches the screen.
   */
  async recordStateChanges(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __seen: Record<string, number> }).__seen = seen;
      const scan = () => {
        for (const row of Array.from(document.querySelectorAll('[data-testid="run-row"]')) as HTMLElement[]) {
          const state = (row.querySelector('[data-testid="run-state"]') as HTMLElement | null)?.dataset.state;
          seen[`${row.dataset.runId}`] ??= Date.now();
          seen[`${row.dataset.runId}:${state}`] ??= Date.now();
        }
      };
      scan();
      new MutationObserver(scan).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    });
  }

  /** When the row of `runId` first showed (in `state`, if given), in this machine's Date.now(). */
  async shownAt(runId: string, state?: string): Promise<number> {
    const key = state ? `${runId}:${state}` : runId;
    await expect
      .poll(() =>
        this.page.evaluate((k) => (window as unknown as { __seen: Record<string, number> }).__seen[k] ?? 0, key),
      )
      .toBeGreaterThan(0);
    return this.page.evaluate((k) => (window as unknown as { __seen: Record<string, number> }).__seen[k]!, key);
  }
}
