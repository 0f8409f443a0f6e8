import { expect, type Locator, type Page } from '@playwright/test';
import { ConsolePage } from './console-page.js';

/** Page object for a run's page: logs, the request log, the crash panel, CPU and memory (issue 17). */
export class RunPage {
  constructor(readonly page: Page) {}

  /** Opens the run's page from wherever the console is, the way a link does (a hash change, no reload). */
  async open(projectId: string, runId: string): Promise<void> {
    await this.page.evaluate(
      ([p, r]) => {
        window.location.hash = `#/runs/${p}/${r}`;
      },
      [projectId, runId] as const,
    );
    await expect(this.root()).toHaveAttribute('data-run-id', runId);
  }

  root(): Locator {
    return this.page.getByTestId('run-detail');
  }

  state(): Locator {
    return this.root().getByTestId('run-state');
  }

  /**
   * Records in the page when the run's badge first shows each state (Date.now() at the DOM
   * change), to measure how soon a change on the server reaches the screen.
   */
  async recordStates(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __runStates: Record<string, number> }).__runStates = seen;
      const scan = () => {
        const state = (
          document.querySelector('[data-testid="run-detail"] [data-testid="run-state"]') as HTMLElement | null
        )?.dataset.state;
        if (state) seen[state] ??= Date.now();
      };
      scan();
      new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
  }

  /** When the badge first showed `state`, in this machine's Date.now(). */
  async stateShownAt(state: string): Promise<number> {
    const read = () =>
      this.page.evaluate(
        (s) => (window as unknown as { __runStates: Record<string, number> }).__runStates[s] ?? 0,
        state,
      );
    await expect.poll(read).toBeGreaterThan(0);
    return read();
  }

  /** The console's API requests made while `during` runs (open streams made before are not counted). */
  apiCallsDuring(during: () => Promise<void>): Promise<string[]> {
    return new ConsolePage(this.page).apiCallsDuring(during);
  }

  pageError(): Locator {
    return this.page.getByTestId('page-error');
  }

  // ---- the log ----
  logViewer(): Locator {
    return this.root().getByTestId('log-viewer');
  }

  logLines(stream?: 'stdout' | 'stderr' | 'system'): Locator {
    return this.logViewer().locator(
      stream ? `[data-testid="log-line"][data-stream="${stream}"]` : '[data-testid="log-line"]',
    );
  }

  logSearch(): Locator {
    return this.logViewer().getByTestId('log-search');
  }

  streamToggle(stream: 'stdout' | 'stderr' | 'system'): Locator {
    return this.logViewer().getByTestId(`log-filter-${stream}`);
  }

  async showStream(stream: 'stdout' | 'stderr' | 'system', shown: boolean): Promise<void> {
    const toggle = this.streamToggle(stream);
    if ((await toggle.getAttribute('aria-pressed')) !== String(shown)) await toggle.click();
    await expect(toggle).toHaveAttribute('aria-pressed', String(shown));
  }

  /** The rendered lines (a virtualized log renders those near the view), top to bottom: number, stream, text. */
  async renderedLines(): Promise<Array<{ n: number; stream: string; text: string }>> {
    const rows = await this.logLines().evaluateAll((els) =>
      els.map((el) => ({
        n: Number(el.querySelector('.log-gutter')?.textContent ?? 0),
        stream: el.getAttribute('data-stream') ?? '',
        text: el.querySelector('.log-text')?.textContent ?? '',
      })),
    );
    return rows.sort((a, b) => a.n - b.n);
  }

  // ---- the request log ----
  requestRows(): Locator {
    return this.root().getByTestId('request-row');
  }

  requestDetail(): Locator {
    return this.root().getByTestId('request-detail');
  }

  async selectRequest(row: Locator): Promise<Locator> {
    const id = (await row.getAttribute('data-request-id'))!;
    await row.click();
    const detail = this.requestDetail();
    await expect(detail).toHaveAttribute('data-request-id', id);
    await expect(detail.getByTestId('request-headers')).toBeVisible();
    return detail;
  }

  requestHeader(side: 'request' | 'response', name: string): Locator {
    return this.requestDetail().getByTestId(`${side}-headers`).locator(`[data-name="${name.toLowerCase()}"] dd`);
  }

  // ---- crash, CPU and memory ----
  crashPanel(): Locator {
    return this.root().getByTestId('crash-panel');
  }

  stats(): Locator {
    return this.root().getByTestId('run-stats');
  }
}
