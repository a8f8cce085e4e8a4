DROP TABLE inspection_checks;
DROP TABLE inspection_units;
DROP TABLE inspections;
