import { Component, type ErrorInfo, type ReactNode } from 'react';
import { href } from '../router.js';

interface Props {
  readonly children: ReactNode;
  /** changes when the user goes elsewhere: the boundary then renders its children again */
  readonly resetKey: string;
}

interface State {
  readonly error: Error | null;
  readonly resetKey: string;
}

/**
 * Keeps a page that throws while rendering from blanking the whole console: the error is shown
 * with a way back (the runs list, or a reload), and the sidebar stays usable.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey === state.resetKey ? null : { error: null, resetKey: props.resetKey };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('console page failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="page">
        <section className="panel page-error" role="alert" data-testid="page-error">
          <h1>This page could not be shown</h1>
          <p>The console hit an error while drawing it. Nothing was changed on the server.</p>
          <pre className="inline-code" data-testid="page-error-message">
            {error.message || error.name}
          </pre>
          <div className="toolbar">
            <a className="btn btn-primary" href={href({ page: 'runs' })} data-testid="page-error-runs">
              Go to the runs list
            </a>
            <button
              type="button"
              className="btn"
              onClick={() => window.location.reload()}
              data-testid="page-error-reload"
            >
              Reload
            </button>
          </div>
        </section>
      </div>
    );
  }
}
