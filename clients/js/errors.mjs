// The two kinds of error an app handles, as urql reports them:
// - a mutation's UserErrors: data, no error (the payload's `errors` list says what to fix);
// - GraphQL errors with `extensions.code` (urql's CombinedError.graphQLErrors): signed out,
//   not allowed, bad arguments, a document the schema refuses.
//
//   node errors.mjs --url http://127.0.0.1:8000/graphql --token <employer token> \
//     --worker-token <worker token>
import { gql } from '@urql/core';
import { describeError, options, print, run, urqlClient } from './lib/cli.mjs';

const CREATE_JOB = gql`
  mutation CreateJob($input: CreateJobInput!) {
    createJob(input: $input) {
      job { id }
      errors { field code message }
    }
  }
`;

const JOBS = gql`
  query Jobs($first: Int!) {
    jobs(first: $first) { edges { node { id } } }
  }
`;

const ME = gql`
  query Me {
    me { id email }
  }
`;

const UNKNOWN_FIELD = gql`
  query Broken {
    jobs(first: 1) { edges { node { id salary } } }
  }
`;

const badJob = {
  title: '',
  description: '物流センターでの作業です。',
  employmentType: 'FULL_TIME',
  location: { prefecture: 'TOKYO', city: '新宿区', lat: 35.6938, lon: 139.7034 },
  pay: { min: 2000, max: 1000, period: 'HOURLY' },
};

run(async () => {
  const { url, token, 'worker-token': workerToken } = options();
  const outcome = (result) => ({
    data: result.data ?? null,
    error: describeError(result.error),
  });
  const employer = urqlClient({ url, token });
  const worker = urqlClient({ url, token: workerToken });
  const anonymous = urqlClient({ url });
  const forged = urqlClient({ url, token: 'not-a-real-token' });

  print({
    userErrors: outcome(await employer.mutation(CREATE_JOB, { input: badJob }).toPromise()),
    workerCreatesJob: outcome(
      await worker.mutation(CREATE_JOB, { input: { ...badJob, title: 'ok' } }).toPromise(),
    ),
    anonymousCreatesJob: outcome(
      await anonymous.mutation(CREATE_JOB, { input: badJob }).toPromise(),
    ),
    forgedToken: outcome(await forged.query(ME, {}).toPromise()),
    pageTooLarge: outcome(await anonymous.query(JOBS, { first: 500 }).toPromise()),
    unknownField: outcome(await anonymous.query(UNKNOWN_FIELD, {}).toPromise()),
  });
});
