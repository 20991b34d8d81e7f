import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Creates a breaker table with the stack's schema (infra/constructs/breaker-table.ts): `pk`/`sk`
 * strings, on-demand, TTL on `ttl`. For local runs and tests; idempotent when the table exists.
 */
export async function createBreakerTable(client: DynamoDBClient, name: string): Promise<'created' | 'exists'> {
  let created = true;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    created = false;
  }
  for (let i = 0; i < 120; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (created) {
    try {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));
    } catch (error) {
      // Local emulators (dynalite) lack TTL; correctness never depends on it, it only cleans up.
      if ((error as Error).name !== 'UnknownOperationException') throw error;
    }
  }
  return created ? 'created' : 'exists';
}
