/**
 * The real Firefox the tests drive: $FIREFOX if set, else the first of
 * firefox-esr / firefox on PATH (Debian's `firefox-esr` package puts it at
 * /usr/bin/firefox-esr). playwright-core cannot drive a stock Firefox (it
 * needs Playwright's own build), so puppeteer-core drives it, over WebDriver
 * BiDi, which Firefox speaks natively (ESR 128 and later).
 */
import puppeteer, { Browser } from "puppeteer-core";
import { findBrowser } from "./browser";

const NAMES = ["firefox-esr", "firefox"];

export const HOW_TO_GET_FIREFOX =
  "the Firefox tests need Firefox (ESR 128 or later): install it (Debian: apt-get install firefox-esr) or set FIREFOX=/path/to/firefox";

/** The Firefox binary to use, or null with no FIREFOX set and none on PATH; a FIREFOX that is not a file throws. */
export function findFirefox(env: NodeJS.ProcessEnv = process.env): string | null {
  return findBrowser("FIREFOX", NAMES, HOW_TO_GET_FIREFOX, env);
}

/** A headless Firefox over WebDriver BiDi, or null when there is none (tests then fail with HOW_TO_GET_FIREFOX). */
export async function launchFirefox(): Promise<Browser | null> {
  const executablePath = findFirefox();
  if (!executablePath) return null;
  return puppeteer.launch({
    browser: "firefox",
    executablePath,
    headless: true,
    // Nothing that phones home (puppeteer's own profile already turns off updates and telemetry).
    extraPrefsFirefox: {
      "network.captive-portal-service.enabled": false,
      "network.connectivity-service.enabled": false,
      "browser.safebrowsing.malware.enabled": false,
      "browser.safebrowsing.phishing.enabled": false,
      "extensions.getAddons.cache.enabled": false,
      "media.gmp-manager.url": "",
    },
  });
}
