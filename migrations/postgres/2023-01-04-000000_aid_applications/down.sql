DROP TABLE aid_hardship_verifications;
DROP TABLE aid_applicants;
DROP TABLE aid_applications;
