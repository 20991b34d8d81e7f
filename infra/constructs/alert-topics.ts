import { Validations } from 'aws-cdk-lib';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { SEVERITIES, type Severity } from '../settings.ts';

const DISPLAY_NAMES: Record<Severity, string> = {
  warn: 'Understudy warning',
  failover: 'Understudy failover',
  page: 'Understudy page',
};

export interface AlertTopicsProps {
  /** Optional e-mail subscribers per topic (each must confirm the subscription by mail). */
  emails: Partial<Record<Severity, readonly string[]>>;
}

/** One SNS topic per alert layer; alarms pick theirs by severity. Publishing requires TLS. */
export class AlertTopics extends Construct {
  readonly topics: Record<Severity, Topic>;

  constructor(scope: Construct, id: string, props: AlertTopicsProps) {
    super(scope, id);
    const make = (severity: Severity): Topic => {
      const topic = new Topic(this, `${severity[0]!.toUpperCase()}${severity.slice(1)}`, { displayName: DISPLAY_NAMES[severity], enforceSSL: true });
      for (const email of props.emails[severity] ?? []) topic.addSubscription(new EmailSubscription(email));
      return topic;
    };
    this.topics = Object.fromEntries(SEVERITIES.map((severity) => [severity, make(severity)])) as Record<Severity, Topic>;
    Validations.of(this).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason: 'Subscriptions are e-mail addresses: a dead-letter queue of undeliverable alert mails would go unread. Failed deliveries show in the topic metric NumberOfNotificationsFailed.',
    });
  }

  topic(severity: Severity): ITopic {
    return this.topics[severity];
  }
}
