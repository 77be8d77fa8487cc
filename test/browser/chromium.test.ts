import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { launchBrowser, screenshot } from '../support/browser';

describe('Browser harness', () => {
  it('opens a page in headless Chromium, reads its heading and writes a screenshot', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      // Without a charset a data: URL's UTF-8 bytes are read as windows-1252 ("ä½ å¥½").
      await page.goto('data:text/html;charset=utf-8,<h1>你好</h1>');
      expect(await page.locator('h1').textContent()).toBe('你好');
      const file = await screenshot(page, 'harness-smoke');
      expect(existsSync(file)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
