import type { FileRegistry } from '@bufbuild/protobuf';
import { leapMessages, leapOptionReader } from '../descriptors/leap-options';
import { bufBreaking, bufBuild, formatFinding, publishedImagePath, registryOfImage } from './buf';
import * as fs from 'node:fs';

/**
 * What `buf breaking` cannot see: the LEAP options of a published message. buf compares names,
 * numbers, types, labels and oneofs; these rules compare the options that route and validate
 * a message.
 */
export const OPTION_RULES = {
  'message-type-changed': 'a message keeps its (leap.message_type)',
  'message-kind-changed': 'a message keeps its (leap.kind)',
  'reply-type-changed': 'a query keeps its (leap.reply_type)',
  'field-required-changed': 'a field keeps its (leap.required)',
  'required-field-added': 'a field added to a published message is not (leap.required)',
} as const;

export type OptionRule = keyof typeof OPTION_RULES;

export interface OptionChange {
  rule: OptionRule;
  /** Full name of the message or field concerned. */
  object: string;
  message: string;
}

/** Changes to the LEAP options of messages in `published` (both registries built by buf). */
export function optionChanges(published: FileRegistry, current: FileRegistry): OptionChange[] {
  const changes: OptionChange[] = [];
  const add = (rule: OptionRule, object: string, message: string): void => {
    changes.push({ rule, object, message });
  };
  const was = leapOptionReader(published);
  const now = leapOptionReader(current);
  for (const before of leapMessages(published)) {
    const after = current.getMessage(before.typeName);
    if (!after) continue; // a removed message is buf's PACKAGE_MESSAGE_NO_DELETE
    const name = before.typeName;
    const compare = (rule: OptionRule, what: string, a: string | undefined, b: string | undefined): void => {
      if (a !== undefined && a !== b) add(rule, name, `${what} changed from ${a} to ${b ?? 'nothing'}`);
    };
    compare('message-type-changed', 'message type', was.messageType(before), now.messageType(after));
    compare('message-kind-changed', 'kind', was.kind(before), now.kind(after));
    compare('reply-type-changed', 'reply type', was.replyType(before), now.replyType(after));
    for (const field of after.fields) {
      const old = before.fields.find((f) => f.number === field.number);
      const required = now.required(field);
      if (!old) {
        if (required) {
          add('required-field-added', `${name}.${field.name}`, `new field ${field.name} = ${field.number} is (leap.required); producers of the published version do not send it`);
        }
      } else if (was.required(old) !== required) {
        add('field-required-changed', `${name}.${field.name}`, `field ${field.name} = ${field.number} ${required ? 'became' : 'is no longer'} (leap.required)`);
      }
    }
  }
  return changes;
}

export function formatOptionChange(change: OptionChange): string {
  return `${change.object}: ${change.message} [${change.rule}]`;
}

/**
 * Every breaking change of the module at `protoDir` against its published image: buf's rules,
 * then the LEAP options. Empty when nothing published changes incompatibly.
 */
export function breakingChanges(protoDir: string): string[] {
  const image = publishedImagePath(protoDir);
  if (!fs.existsSync(image)) return [`${image} is missing (run libs/contracts/scripts/publish.ts)`];
  const problems = bufBreaking(protoDir).map(formatFinding);
  const published = registryOfImage(new Uint8Array(fs.readFileSync(image)));
  problems.push(...optionChanges(published, registryOfImage(bufBuild(protoDir))).map(formatOptionChange));
  return problems;
}
