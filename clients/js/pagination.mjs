// Walking the job board page by page with Relay cursors: jobs(first, after) until
// pageInfo.hasNextPage is false.
//
//   node pagination.mjs --url http://127.0.0.1:8000/graphql [--token T] [--page-size 20]
//     [--text 検索] [--after <cursor>] [--pages <at most this many>]
import { gql } from '@urql/core';
import { describeError, options, print, run, urqlClient } from './lib/cli.mjs';

const JOBS_PAGE = gql`
  query JobsPage($first: Int!, $after: String, $filter: JobFilter) {
    jobs(first: $first, after: $after, filter: $filter) {
      totalCount
      edges { cursor node { id title createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

run(async () => {
  const { url, token, 'page-size': pageSize = '20', text, pages: maxPages = '1000' } = options();
  const client = urqlClient({ url, token });
  const filter = text ? { text } : null;
  const pages = [];
  let after = options().after ?? null;
  for (;;) {
    const result = await client
      .query(JOBS_PAGE, { first: Number(pageSize), after, filter })
      .toPromise();
    if (result.error) {
      print({ pages, error: describeError(result.error) });
      return;
    }
    const { edges, pageInfo, totalCount } = result.data.jobs;
    pages.push({
      totalCount,
      jobs: edges.map((edge) => ({ id: edge.node.id, title: edge.node.title })),
      hasNextPage: pageInfo.hasNextPage,
      endCursor: pageInfo.endCursor,
    });
    if (!pageInfo.hasNextPage || pages.length >= Number(maxPages)) break;
    after = pageInfo.endCursor;
  }
  print({ pages, error: null });
});
