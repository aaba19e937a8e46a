// Copy the GraphiQL page's scripts and styles from the npm packages into
// server/static/graphiql/, so the app serves them itself (server/graphiql.py).
//
//   node vendor-graphiql.mjs <strawberry's static/graphiql.html>
//   e.g. node vendor-graphiql.mjs ../../.venv/lib/python3.11/site-packages/strawberry/static/graphiql.html
//
// Every file the page loads from unpkg.com must come from the package version it pins
// (exact versions in package.json), and its SHA-384 must equal the page's integrity
// attribute: the copies are byte for byte the releases the CDN would serve.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', '..', 'server', 'static', 'graphiql');
const page = process.argv[2];
if (!page) throw new Error('pass the path of strawberry/static/graphiql.html');
const html = readFileSync(page, 'utf8');
const tags = [...html.matchAll(/(?:src|href)="https:\/\/unpkg\.com\/([^"]+)"\s+integrity="([^"]+)"/g)];
if (tags.length === 0) throw new Error(`no unpkg.com assets with integrity in ${page}`);

rmSync(target, { recursive: true, force: true });
const listing = [];
for (const [, path, integrity] of tags) {
  const [, name, version, file] = /^((?:@[^/]+\/)?[^@/]+)@([^/]+)\/(.+)$/.exec(path);
  const installed = JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8'));
  if (installed.version !== version) {
    throw new Error(`${name}: the page pins ${version}, package.json installs ${installed.version}`);
  }
  const source = join(here, 'node_modules', name, file);
  const digest = `sha384-${createHash('sha384').update(readFileSync(source)).digest('base64')}`;
  if (digest !== integrity) throw new Error(`${path}: ${digest} is not the page's ${integrity}`);
  mkdirSync(dirname(join(target, path)), { recursive: true });
  copyFileSync(source, join(target, path));
  for (const licence of ['LICENSE', 'LICENSE.md', 'LICENSE.txt']) {
    const from = join(here, 'node_modules', name, licence);
    if (existsSync(from)) copyFileSync(from, join(target, `${name}@${version}`, licence));
  }
  listing.push(`| \`${path}\` | ${installed.license} | \`${digest}\` |`);
  console.log(`${path}  ${digest}`);
}
writeFileSync(
  join(target, 'README.md'),
  [
    '# Vendored GraphiQL assets',
    '',
    'Written by `node clients/js/vendor-graphiql.mjs` from the npm packages that',
    "strawberry's GraphiQL page pins; served at `/graphiql-assets/` (`server/graphiql.py`).",
    'Do not edit: re-run the script after a strawberry upgrade.',
    '',
    '| file | licence | SHA-384 (the page\'s integrity attribute) |',
    '| --- | --- | --- |',
    ...listing,
    '',
  ].join('\n'),
);
