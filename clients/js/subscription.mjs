// A live subscription with the `graphql-ws` client (graphql-transport-ws protocol), the
// token in `connectionParams` as the React Native app sends it.
//
//   node subscription.mjs --url ws://127.0.0.1:8000/graphql --token <token> \
//     --query 'subscription($id: ID!) { jobEvents(jobId: $id) { kind } }' \
//     --variables '{"id": "..."}' [--count 1]
//
// Prints one JSON line per thing that happens: {"connected": true}, each event as
// {"next": …}, a {"error": …} or the socket's {"closed": {code, reason}}; exits after
// --count events.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { options, print, run } from './lib/cli.mjs';

run(async () => {
  const { url, token, query, variables = '{}', count = '1' } = options();
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: {
      connected: () => print({ connected: true }),
      closed: (event) => print({ closed: { code: event.code, reason: event.reason } }),
    },
  });
  const events = client.iterate({ query, variables: JSON.parse(variables) });
  let seen = 0;
  try {
    for await (const event of events) {
      print({ next: event });
      seen += 1;
      if (seen >= Number(count)) break;
    }
  } catch (error) {
    // A refused connection ends the iteration with the CloseEvent; an operation error
    // with the list of GraphQL errors.
    const described = Array.isArray(error)
      ? { graphQLErrors: error }
      : { code: error?.code ?? null, reason: error?.reason ?? String(error) };
    print({ error: described });
  } finally {
    await client.dispose();
  }
});
