/** Only the console's own origin may be shown in the window, never a user's service on it. */
export function isAllowedNavigation(url: string, consoleOrigin: string): boolean {
  try {
    const target = new URL(url);
    const origin = new URL(consoleOrigin);
    return (
      target.origin === origin.origin &&
      !target.pathname.startsWith('/instances/') &&
      !target.pathname.startsWith('/dev/')
    );
  } catch {
    return false;
  }
}

/**
 * An external link goes to the shell only when it parses as http(s), or as the console's
 * "open in editor" link `vscode://file/<absolute path>:<line>[:<column>]` and nothing else of
 * the vscode: scheme (its other URIs run commands and install extensions).
 */
export function parseExternalUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.toString();
    const plain = !parsed.username && !parsed.password && !parsed.port && !parsed.search && !parsed.hash;
    if (
      parsed.protocol === 'vscode:' &&
      parsed.host === 'file' &&
      plain &&
      /^\/[^?#]*:\d+(:\d+)?$/.test(parsed.pathname)
    )
      return parsed.toString();
    return null;
  } catch {
    return null;
  }
}
