DROP TABLE recognitions;
