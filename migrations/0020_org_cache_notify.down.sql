DROP TRIGGER org_targets_cache_notify ON org_targets;
DROP TRIGGER org_profiles_cache_notify ON org_profiles;
DROP FUNCTION mamori_cache_notify();
