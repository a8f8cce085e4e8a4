DROP TABLE monthly_report_revisions;
DROP TABLE monthly_reports;
