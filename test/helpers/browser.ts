/**
 * The real browser the tests drive: $CHROMIUM if set, else the first of
 * chromium / chromium-browser / google-chrome on PATH. Debian's `chromium`
 * package puts it at /usr/bin/chromium, which PATH finds.
 */
import { Browser, chromium } from "playwright-core";
import { QUIET_CHROMIUM_ARGS, findChromium } from "../../lib/bench/browser";

export { HOW_TO_GET_CHROMIUM, findBrowser, findChromium } from "../../lib/bench/browser";

/** A headless Chromium with nothing that phones home, or null when there is none (tests then fail with HOW_TO_GET_CHROMIUM). */
export async function launchChromium(): Promise<Browser | null> {
  const executablePath = findChromium();
  if (!executablePath) return null;
  return chromium.launch({
    executablePath,
    headless: true,
    args: QUIET_CHROMIUM_ARGS,
  });
}
