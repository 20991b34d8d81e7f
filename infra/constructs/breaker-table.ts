import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The only item operations the functions perform: read a breaker state, read a target's window
 * buckets, count outcomes with atomic ADDs and make conditional transitions. Scan is absent here: only
 * the proxy's status page lists the table, through grantBreakerListing (keys only).
 */
export const BREAKER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem'] as const;

/**
 * Shared breaker state: `pk` = target, `sk` = `state` or a window bucket, `ttl` expires old buckets.
 * With `responses.store` on, the same table keeps Responses conversations (`pk` = `response#<key id>`,
 * `sk` = response id, `ttl` from `ttlSeconds`) through the same GetItem/PutItem grant.
 * On-demand billing (traffic follows LLM traffic, which is spiky). The table holds only transient
 * state that rebuilds itself within a breaker window, so it is destroyed with the stack rather than
 * left behind as an orphan; point-in-time recovery stays on because it costs next to nothing here.
 */
export class BreakerTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /**
   * The live status page lists every target the table holds a breaker for (the Scan `npm run breakers
   * -- list --table` makes). The Scan may return the key attributes only (`pk`, `sk`; the request says
   * `Select: SPECIFIC_ATTRIBUTES`): never a breaker's counters, never a stored Responses conversation.
   * Each listed breaker is then read by key with the item grant.
   */
  grantBreakerListing(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Scan'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk'] },
          StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
  }

  /** Exactly the item actions above, on this table only (no index, no wildcard action). */
  grantBreakerAccess(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...BREAKER_TABLE_ACTIONS], resources: [this.table.tableArn] }),
    );
  }
}
