insert into todo (title, done) values
  ('write the schema', true),
  ('seed some rows', true),
  ('test against a fresh copy', false);
