"""The three hot operations every perf benchmark measures, as the clients send them."""

from __future__ import annotations

JOBS_PAGE = """
query JobsPage($prefecture: Prefecture, $skill: ID!, $first: Int) {
  jobs(first: $first, filter: {prefecture: $prefecture, skills: {skillIds: [$skill], match: ANY}}) {
    edges {
      cursor
      node {
        id title employmentType remote openings createdAt
        location { prefecture city }
        pay { min max period }
        organization { id name }
        skills { skill { id slug nameJa } minLevel required }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Job {
      title description employmentType remote openings createdAt
      location { prefecture city }
      pay { min max period }
      organization { id name }
      skills { skill { id slug nameJa } minLevel required }
    }
  }
}
"""

RECOMMENDED_JOBS = """
query Recommended($first: Int) {
  recommendedJobs(first: $first) {
    edges {
      cursor
      node {
        id score status explanationEn
        job { id title pay { min max period } location { prefecture city } organization { id name } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

OPERATIONS = {"jobs_page": JOBS_PAGE, "node": NODE, "recommended_jobs": RECOMMENDED_JOBS}
