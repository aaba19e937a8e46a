// The apps' data layer, typed by the code GraphQL Code Generator made from the SDL
// (src/gql/, from operations/*.graphql). `npm run build:typed` regenerates and type-checks
// it: when the schema drops, renames, retypes or makes nullable a field these operations
// use, codegen or tsc fails here, before any app ships.
import type { Client as QueryClient } from '@urql/core';
import { print } from 'graphql';
import type { Client as SubscriptionClient } from 'graphql-ws';
import {
  ApplyToJobDocument,
  JobSearchPageDocument,
  type JobFilter,
  type NotificationsFeedSubscription,
  NotificationsFeedDocument,
  RecommendedJobsDocument,
  VerifyCredentialDocument,
  WorkerProfileDocument,
} from './gql/graphql';

/** One card on the job search page. */
export interface JobCard {
  id: string;
  title: string;
  company: string;
  place: string;
  pay: string;
  skills: string[];
  cursor: string;
}

export interface JobSearchPage {
  total: number;
  cards: JobCard[];
  nextCursor: string | null;
}

function yen(amount: number): string {
  return `¥${amount.toLocaleString('ja-JP')}`;
}

export async function searchJobs(
  client: QueryClient,
  filter: JobFilter | null,
  after: string | null = null,
): Promise<JobSearchPage> {
  const result = await client.query(JobSearchPageDocument, { filter, first: 20, after });
  if (result.error || !result.data) throw result.error ?? new Error('no data');
  const { jobs } = result.data;
  return {
    total: jobs.totalCount,
    cards: jobs.edges.map(({ cursor, node }) => ({
      id: node.id,
      title: node.title,
      company: node.organization.name,
      place: node.remote ? 'リモート' : `${node.location?.city ?? ''}`,
      pay: `${yen(node.pay.min)}–${yen(node.pay.max)} / ${node.pay.period.toLowerCase()}`,
      skills: node.skills.map(({ skill, minLevel }) => `${skill.nameJa} (Lv.${minLevel})`),
      cursor,
    })),
    nextCursor: jobs.pageInfo.hasNextPage ? jobs.pageInfo.endCursor : null,
  };
}

export interface ProfileScreen {
  name: string;
  headline: string;
  languages: string[];
  skills: string[];
  verifiedCredentials: number;
}

export async function myProfile(client: QueryClient): Promise<ProfileScreen | null> {
  const result = await client.query(WorkerProfileDocument, {});
  if (result.error) throw result.error;
  const me = result.data?.me;
  const profile = me?.workerProfile;
  if (!me || !profile) return null;
  return {
    name: me.displayName,
    headline: profile.headline,
    languages: profile.languages.map(({ code, level }) => `${code}: ${level}`),
    skills: profile.skills.map(({ skill, level, years }) => `${skill.nameEn} ${level}/5, ${years}y`),
    verifiedCredentials: profile.credentials.edges.filter(({ node }) => node.status === 'ANCHORED')
      .length,
  };
}

/** Apply, returning the field errors to show (empty when the application went in). */
export async function apply(client: QueryClient, jobId: string): Promise<string[]> {
  const result = await client.mutation(ApplyToJobDocument, { jobId });
  if (result.error || !result.data) throw result.error ?? new Error('no data');
  const { match, errors } = result.data.applyToJob;
  if (match) console.info(`applied to ${match.job?.title ?? match.id}: ${match.status}`);
  return errors.map(({ field, message }) => (field ? `${field}: ${message}` : message));
}

export interface Recommendation {
  jobId: string;
  title: string;
  scorePercent: number;
  why: string;
}

export async function recommendations(client: QueryClient): Promise<Recommendation[]> {
  const result = await client.query(RecommendedJobsDocument, { first: 10 });
  if (result.error || !result.data) throw result.error ?? new Error('no data');
  return result.data.recommendedJobs.edges.flatMap(({ node }) =>
    node.job
      ? [
          {
            jobId: node.job.id,
            title: node.job.title,
            scorePercent: Math.round(node.score * 100),
            why: node.explanation,
          },
        ]
      : [],
  );
}

export type Notification = NotificationsFeedSubscription['notifications'];

/** Live notifications; returns the function that stops them. */
export function onNotification(
  client: SubscriptionClient,
  show: (notification: Notification) => void,
): () => void {
  return client.subscribe<NotificationsFeedSubscription>(
    { query: print(NotificationsFeedDocument) },
    {
      next: ({ data }) => {
        if (data) show(data.notifications);
      },
      error: (error) => console.error(error),
      complete: () => undefined,
    },
  );
}

export interface CredentialReport {
  verified: boolean;
  failed: string[];
}

export async function verifyCredential(
  client: QueryClient,
  document: unknown,
): Promise<CredentialReport> {
  const result = await client.query(VerifyCredentialDocument, { document });
  if (result.error || !result.data) throw result.error ?? new Error('no data');
  const { verified, checks } = result.data.verifyCredential;
  return {
    verified,
    failed: checks
      .filter(({ outcome }) => outcome === 'FAILED')
      .map(({ name, reason }) => `${name}: ${reason}`),
  };
}
