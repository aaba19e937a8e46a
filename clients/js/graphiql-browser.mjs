// GraphiQL in headless Chromium, as a member of staff uses it: open /graphql, type a query,
// put an Authorization header in the Headers editor, run it, read the result pane, and
// save a screenshot.
//
//   node graphiql-browser.mjs --url http://127.0.0.1:8000/graphql --token <token> \
//     --query '{ me { email } }' --screenshot out.png [--chromium /usr/bin/chromium]
//
// Prints {result, shown, offsite, problems}: the result pane's JSON and its visible text,
// any request that left the server's origin, and console errors / CSP violations.
import { chromium } from 'playwright-core';
import { options, print, run } from './lib/cli.mjs';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

run(async () => {
  const { url, token, query, screenshot, chromium: executablePath = '/usr/bin/chromium' } =
    options();
  const origin = new URL(url).origin;
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const offsite = [];
    const problems = [];
    const sent = [];
    page.on('request', (request) => {
      const requested = request.url();
      if (!requested.startsWith(origin) && !requested.startsWith('data:')) offsite.push(requested);
      if (requested.startsWith(url) && request.method() === 'POST') {
        sent.push({
          authorization: request.headers().authorization ?? null,
          operation: JSON.parse(request.postData() ?? '{}').query ?? null,
        });
      }
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));

    await page.goto(url, { waitUntil: 'load' });
    const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
    await queryEditor.waitFor({ timeout: 30_000 });

    // Type the query over the welcome text.
    await queryEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(query);

    // The Headers tab of the editor tools, then its editor.
    await page.getByRole('tab', { name: 'Headers' }).or(page.getByRole('button', { name: 'Headers' })).first().click();
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
    await headersEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));

    await page.locator('.graphiql-execute-button').click();
    const resultPane = page.locator('.result-window');
    await page.waitForFunction(
      () => {
        const editor = document.querySelector('.result-window .CodeMirror');
        return editor && /"(data|errors)"/.test(editor.CodeMirror.getValue());
      },
      null,
      { timeout: 30_000 },
    );
    const value = await page.evaluate(
      () => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue(),
    );
    const shown = await resultPane.innerText();
    await page.screenshot({ path: screenshot });
    print({
      result: JSON.parse(value),
      shown,
      typed: await page.evaluate(
        () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue(),
      ),
      sent: sent.filter((request) => !/IntrospectionQuery/.test(request.operation ?? '')),
      offsite,
      problems,
    });
  } finally {
    await browser.close();
  }
});
