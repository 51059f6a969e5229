import t from 'tap';
import { configuredImages } from '../../lib/images.js';

const ids = (c: Parameters<typeof configuredImages>[0]) =>
  configuredImages(c, {}).map((i) => `${i.imageId}:${i.kind}`);

t.test("the config's images, the default first when it is not among them", async (t) => {
  t.same(ids({}), ['postgres:postgres', 'mariadb:mysql'], 'none configured: the local defaults');
  t.same(ids({ default_image: 'mysql:8' }), ['mysql:8:mysql', 'mariadb:mysql']);
  const images = { a: 'postgres://h/x', b: 'mysql://h/' };
  t.same(ids({ images }), ['postgres:postgres', 'a:postgres', 'b:mysql']);
  t.same(ids({ images, default_image: 'b' }), ['a:postgres', 'b:mysql']);
});
