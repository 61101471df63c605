// Lists the forms and filters choose from (instances, profiles, mappings), cached per page view.
import { gql } from "./gql.js";

let cache = {};
export const forget = () => { cache = {}; };

async function cached(name, query, field) {
  if (!cache[name]) cache[name] = gql(query).then((data) => data[field].items).catch((err) => { delete cache[name]; throw err; });
  return cache[name];
}

export const instances = () => cached("instances", "{ instances(pageSize: 200) { items { id name status version } } }", "instances");
export const profiles = () => cached("profiles", "{ connectionProfiles(pageSize: 200) { items { id name kind } } }", "connectionProfiles");
export const mappings = () => cached("mappings", "{ mappingConfigurations(pageSize: 200) { items { id name } } }", "mappingConfigurations");

export async function instanceName(id) {
  const found = (await instances()).find((i) => i.id === id);
  return found ? found.name : `deleted instance ${id.slice(0, 8)}`;
}

export const STAGES = ["EXTRACT", "NORMALIZE", "TRANSFORM", "VALIDATE", "LOAD"];
export const RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED"];
export const TRIGGERS = ["API", "SCHEDULE", "WEBHOOK", "REPLAY"];
export const DLQ_STATUSES = ["PENDING", "REPLAYING", "RESOLVED", "DISCARDED"];
