// The service policy in force, as the page was given it from the policy record: the numbers the labels name.
let cached = null;

export function policy() {
  if (!cached) cached = JSON.parse(document.body.dataset.policy || "{}");
  return cached;
}

export function setPolicy(values) {
  cached = values;
}
