DROP TABLE aid_applicants;
DROP TABLE aid_applications;
