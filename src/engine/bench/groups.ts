// Which photos belong to the same subject across benchmark sets, for leave-group-out validation:
// icm-db, icm-db-fullres and icm-composite photograph the same DreamBooth subjects; icm58 and
// icm58-fullres the same objects; davis-oneshot and davis-sequences the same clips. A model
// validated on a group must not have seen that subject in any of these sets. Generated training
// groups (scripts/train-head) are named `<set>__<group>[__in__<other group>]` after the group
// whose reference they use.
const FAMILIES: Array<[RegExp, string]> = [
  [/^icm-(db|composite)/, 'dreambooth'],
  [/^icm58/, 'icm58'],
  [/^davis/, 'davis'],
];

export function groupKey(set: string, groupId: string): string {
  const generated = /^(.+?)__(.+?)(?:__in__.+)?$/.exec(groupId);
  if (generated) return groupKey(generated[1], generated[2]);
  const family = FAMILIES.find(([re]) => re.test(set))?.[1];
  return family ? `${family}:${groupId.replace(/_composite$/, '')}` : `${set}:${groupId}`;
}
