DROP TABLE aid_papers;
