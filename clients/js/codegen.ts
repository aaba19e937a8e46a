// GraphQL Code Generator: typed documents for the operations in operations/*.graphql,
// generated from the SDL (the contract, schema/schema.graphql) into src/gql/.
//
//   npm run codegen          # or IWORKZ_SCHEMA=path/to/schema.graphql npm run codegen
//   npm run typecheck        # tsc --noEmit over src/ (the generated types and their users)
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: process.env.IWORKZ_SCHEMA ?? '../../schema/schema.graphql',
  documents: ['operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Every custom scalar is named, so a new one fails the build until it is mapped.
        strictScalars: true,
        scalars: {
          Date: 'string',
          DateTime: 'string',
          JSON: 'unknown',
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
