DROP TABLE IF EXISTS mail_outbox;
DROP TABLE IF EXISTS notification_settings;
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS campaign_reminders;
DROP TABLE IF EXISTS campaign_orgs;
DROP TABLE IF EXISTS campaigns;
DROP TABLE IF EXISTS question_assignments;
