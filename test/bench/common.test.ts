import t from 'tap';
import { ratioText } from '../../bench/common.js';

t.test('two decimals, unless they would round a ratio onto its target', async (t) => {
  t.equal(ratioText(0.27, 0.3), '0.27');
  t.equal(ratioText(1.09, 1.2), '1.09');
  t.equal(ratioText(0.3029, 0.3), '0.303', 'a miss is not shown as the target');
  t.equal(ratioText(0.2951, 0.3), '0.295', 'nor is a hit just under it');
  t.equal(ratioText(0.797, 0.8), '0.797');
  t.equal(ratioText(0.3, 0.3), '0.30', 'exactly the target');
});
