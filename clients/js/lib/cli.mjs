// What every script shares: where the API is, who is calling, and how results are printed.
//
//   node <script>.mjs --url http://127.0.0.1:8000/graphql [--token <access token>] [--key value ...]
//
// `IWORKZ_URL` and `IWORKZ_TOKEN` may stand in for --url and --token. Scripts print one JSON
// document on stdout (the subscription script: one per line) for the test suite to read.
import { Client, cacheExchange, fetchExchange } from '@urql/core';

export function options() {
  const args = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 1) {
    const match = /^--([a-z-]+)$/.exec(argv[i]);
    if (!match || i + 1 >= argv.length) {
      throw new Error(`expected --name value pairs, got ${argv.slice(i).join(' ')}`);
    }
    args[match[1]] = argv[i + 1];
    i += 1;
  }
  args.url = args.url ?? process.env.IWORKZ_URL;
  args.token = args.token ?? process.env.IWORKZ_TOKEN;
  if (!args.url) throw new Error('pass --url http://host:port/graphql (or set IWORKZ_URL)');
  return args;
}

/** An urql client as a Next.js app builds one: the token in every request's headers. */
export function urqlClient({ url, token, exchanges, fetch }) {
  return new Client({
    url,
    exchanges: exchanges ?? [cacheExchange, fetchExchange],
    requestPolicy: 'network-only',
    fetch,
    fetchOptions: () => (token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  });
}

/** What an app sees of urql's CombinedError: the GraphQL errors with their codes, or the
 * network failure. */
export function describeError(error) {
  if (!error) return null;
  return {
    message: error.message,
    graphQLErrors: error.graphQLErrors.map((e) => ({
      message: e.message,
      code: e.extensions?.code ?? null,
      path: e.path ?? null,
      extensions: e.extensions ?? {},
    })),
    networkError: error.networkError ? String(error.networkError.message) : null,
    status: error.response?.status ?? null,
  };
}

export function print(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Run `main`, printing an uncaught failure on stderr with a non-zero exit. */
export function run(main) {
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
