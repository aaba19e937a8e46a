// An employer's app with urql: who am I, create a job with variables, publish it, read it back.
//
//   node queries-and-mutations.mjs --url http://127.0.0.1:8000/graphql --token <employer token> \
//     [--title "倉庫内ピッキング"]
import { gql } from '@urql/core';
import { describeError, options, print, run, urqlClient } from './lib/cli.mjs';

const ME = gql`
  query Me {
    me { id email roles organizations { id name } }
  }
`;

const SKILL = gql`
  query FindSkill($search: String!) {
    skills(search: $search, first: 1) { id slug nameEn nameJa }
  }
`;

const CREATE_JOB = gql`
  mutation CreateJob($input: CreateJobInput!) {
    createJob(input: $input) {
      job {
        id title status
        pay { min max period }
        location { prefecture city }
        skills { skill { slug } minLevel }
      }
      errors { field code message }
    }
  }
`;

const PUBLISH_JOB = gql`
  mutation PublishJob($input: JobIdInput!) {
    publishJob(input: $input) {
      job { id status publishedAt }
      errors { field code message }
    }
  }
`;

const JOB = gql`
  query Job($id: ID!) {
    node(id: $id) {
      ... on Job { id title status organization { name } }
    }
  }
`;

run(async () => {
  const { url, token, title = '倉庫内ピッキング・フォークリフト' } = options();
  const client = urqlClient({ url, token });
  const checked = async (promise) => {
    const result = await promise;
    if (result.error) throw new Error(JSON.stringify(describeError(result.error)));
    return result.data;
  };

  const { me } = await checked(client.query(ME, {}));
  const { skills } = await checked(client.query(SKILL, { search: 'forklift' }));
  const { createJob } = await checked(
    client.mutation(CREATE_JOB, {
      input: {
        title,
        description: '物流センターでのピッキングとフォークリフト作業です。',
        employmentType: 'FULL_TIME',
        location: { prefecture: 'TOKYO', city: '新宿区', lat: 35.6938, lon: 139.7034 },
        pay: { min: 1300, max: 1600, period: 'HOURLY' },
        skills: [{ skillId: skills[0].id, minLevel: 2 }],
        languages: [{ code: 'ja', level: 'N3' }],
        schedule: [{ day: 'MON', start: '09:00', end: '18:00' }],
      },
    }),
  );
  const { publishJob } = await checked(
    client.mutation(PUBLISH_JOB, { input: { id: createJob.job.id } }),
  );
  const { node } = await checked(client.query(JOB, { id: createJob.job.id }));
  print({ me, skill: skills[0], createJob, publishJob, job: node });
});
