/** Only the console's own origin may be shown in the window. */
export function isAllowedNavigation(url: string, consoleOrigin: string): boolean {
  try {
    const target = new URL(url);
    const origin = new URL(consoleOrigin);
    return target.origin === origin.origin && !target.pathname.startsWith('/instances/');
  } catch {
    return false;
  }
}

/** An external link is opened in the system browser only when it parses as http(s). */
export function parseExternalUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}
