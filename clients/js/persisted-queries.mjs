// Automatic persisted queries with urql's persistedExchange: the client sends only the
// query's SHA-256; on `PersistedQueryNotFound` it sends the query once, and from then on
// the hash alone works — over GET, so a CDN may cache public results.
//
//   node persisted-queries.mjs --url http://127.0.0.1:8000/graphql --token <worker token>
import { cacheExchange, fetchExchange, gql } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { describeError, options, print, run, urqlClient } from './lib/cli.mjs';

const PUBLIC_JOBS = gql`
  query PublicJobs($first: Int!) {
    jobs(first: $first) { totalCount edges { node { id title } } }
  }
`;

const ME = gql`
  query Me {
    me { id email }
  }
`;

const MARK_READ = gql`
  mutation MarkRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) { markedCount errors { code } }
  }
`;

/** fetch, recording what went over the wire: method, whether the query text was sent,
 * the hash, and what came back. */
function recordingFetch(requests) {
  return async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    const method = (init.method ?? 'GET').toUpperCase();
    const sent =
      method === 'GET'
        ? {
            query: url.searchParams.get('query'),
            extensions: JSON.parse(url.searchParams.get('extensions') ?? 'null'),
          }
        : JSON.parse(init.body);
    const response = await fetch(input, init);
    const body = await response.clone().json();
    requests.push({
      method,
      sentQuery: Boolean(sent.query),
      sha256Hash: sent.extensions?.persistedQuery?.sha256Hash ?? null,
      status: response.status,
      cacheControl: response.headers.get('cache-control'),
      errors: (body.errors ?? []).map((e) => e.message),
    });
    return response;
  };
}

async function session(url, token, operation, variables, kind = 'query') {
  const requests = [];
  const client = urqlClient({
    url,
    token,
    fetch: recordingFetch(requests),
    exchanges: [
      cacheExchange,
      persistedExchange({ preferGetForPersistedQueries: true, enableForMutation: true }),
      fetchExchange,
    ],
  });
  const result = await client[kind](operation, variables).toPromise();
  return { data: result.data ?? null, error: describeError(result.error), requests };
}

run(async () => {
  const { url, token } = options();
  // Two visitors' apps in turn: the first teaches the server the query, the second only
  // ever sends its hash.
  const first = await session(url, undefined, PUBLIC_JOBS, { first: 5 });
  const second = await session(url, undefined, PUBLIC_JOBS, { first: 5 });
  const signedIn = await session(url, token, ME, {});
  const mutation = await session(url, token, MARK_READ, { input: { all: true } }, 'mutation');
  print({ first, second, signedIn, mutation });
});
