// A sakila-like MySQL schema as a dump would write it, generated so that the bench needs no
// download: 20 tables with foreign keys, 7 views (some on views), procedures and functions
// under DELIMITER, triggers, and extended INSERTs of data. Deterministic for a given size.

/** The script; `rowsPerTable` sizes the data of the larger tables (the rest have a few rows). */
export function sakilaLikeSchema(rowsPerTable = 200): string {
  return [HEADER, ...TABLES, data(rowsPerTable), ...VIEWS, ROUTINES, TRIGGERS, FOOTER].join('\n');
}

const HEADER = `-- sakila-like schema, generated (bench/real-dumps/mysql-schema.ts)
SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0;
SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0;
SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='TRADITIONAL';
`;

const FOOTER = `SET SQL_MODE=@OLD_SQL_MODE;
SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS;
SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS;
`;

const STAMP =
  'last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP';
const TAIL = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';

const TABLES = [
  `CREATE TABLE country (
  country_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  country VARCHAR(50) NOT NULL,
  ${STAMP},
  PRIMARY KEY (country_id)
) ${TAIL};`,
  `CREATE TABLE city (
  city_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  city VARCHAR(50) NOT NULL,
  country_id SMALLINT UNSIGNED NOT NULL,
  ${STAMP},
  PRIMARY KEY (city_id),
  KEY idx_fk_country_id (country_id),
  CONSTRAINT fk_city_country FOREIGN KEY (country_id) REFERENCES country (country_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE address (
  address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  address VARCHAR(50) NOT NULL,
  address2 VARCHAR(50) DEFAULT NULL,
  district VARCHAR(20) NOT NULL,
  city_id SMALLINT UNSIGNED NOT NULL,
  postal_code VARCHAR(10) DEFAULT NULL,
  phone VARCHAR(20) NOT NULL,
  ${STAMP},
  PRIMARY KEY (address_id),
  KEY idx_fk_city_id (city_id),
  CONSTRAINT fk_address_city FOREIGN KEY (city_id) REFERENCES city (city_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE language (
  language_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name CHAR(20) NOT NULL,
  ${STAMP},
  PRIMARY KEY (language_id)
) ${TAIL};`,
  `CREATE TABLE category (
  category_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(25) NOT NULL,
  ${STAMP},
  PRIMARY KEY (category_id)
) ${TAIL};`,
  `CREATE TABLE actor (
  actor_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  ${STAMP},
  PRIMARY KEY (actor_id),
  KEY idx_actor_last_name (last_name)
) ${TAIL};`,
  `CREATE TABLE film (
  film_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  title VARCHAR(128) NOT NULL,
  description TEXT DEFAULT NULL,
  release_year YEAR DEFAULT NULL,
  language_id TINYINT UNSIGNED NOT NULL,
  original_language_id TINYINT UNSIGNED DEFAULT NULL,
  rental_duration TINYINT UNSIGNED NOT NULL DEFAULT 3,
  rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99,
  length SMALLINT UNSIGNED DEFAULT NULL,
  replacement_cost DECIMAL(5,2) NOT NULL DEFAULT 19.99,
  rating ENUM('G','PG','PG-13','R','NC-17') DEFAULT 'G',
  special_features SET('Trailers','Commentaries','Deleted Scenes','Behind the Scenes') DEFAULT NULL,
  ${STAMP},
  PRIMARY KEY (film_id),
  KEY idx_title (title),
  KEY idx_fk_language_id (language_id),
  KEY idx_fk_original_language_id (original_language_id),
  CONSTRAINT fk_film_language FOREIGN KEY (language_id) REFERENCES language (language_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_film_language_original FOREIGN KEY (original_language_id) REFERENCES language (language_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE film_actor (
  actor_id SMALLINT UNSIGNED NOT NULL,
  film_id SMALLINT UNSIGNED NOT NULL,
  ${STAMP},
  PRIMARY KEY (actor_id, film_id),
  KEY idx_fk_film_id (film_id),
  CONSTRAINT fk_film_actor_actor FOREIGN KEY (actor_id) REFERENCES actor (actor_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_film_actor_film FOREIGN KEY (film_id) REFERENCES film (film_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE film_category (
  film_id SMALLINT UNSIGNED NOT NULL,
  category_id TINYINT UNSIGNED NOT NULL,
  ${STAMP},
  PRIMARY KEY (film_id, category_id),
  CONSTRAINT fk_film_category_film FOREIGN KEY (film_id) REFERENCES film (film_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_film_category_category FOREIGN KEY (category_id) REFERENCES category (category_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE film_text (
  film_id SMALLINT NOT NULL,
  title VARCHAR(255) NOT NULL,
  description TEXT,
  PRIMARY KEY (film_id),
  FULLTEXT KEY idx_title_description (title, description)
) ${TAIL};`,
  `CREATE TABLE store (
  store_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT,
  manager_staff_id TINYINT UNSIGNED NOT NULL,
  address_id SMALLINT UNSIGNED NOT NULL,
  ${STAMP},
  PRIMARY KEY (store_id),
  UNIQUE KEY idx_unique_manager (manager_staff_id),
  KEY idx_fk_address_id (address_id),
  CONSTRAINT fk_store_address FOREIGN KEY (address_id) REFERENCES address (address_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE staff (
  staff_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  address_id SMALLINT UNSIGNED NOT NULL,
  email VARCHAR(50) DEFAULT NULL,
  store_id TINYINT UNSIGNED NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  username VARCHAR(16) NOT NULL,
  password VARCHAR(40) BINARY DEFAULT NULL,
  ${STAMP},
  PRIMARY KEY (staff_id),
  KEY idx_fk_store_id (store_id),
  KEY idx_fk_address_id (address_id),
  CONSTRAINT fk_staff_store FOREIGN KEY (store_id) REFERENCES store (store_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_staff_address FOREIGN KEY (address_id) REFERENCES address (address_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE customer (
  customer_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  store_id TINYINT UNSIGNED NOT NULL,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  email VARCHAR(50) DEFAULT NULL,
  address_id SMALLINT UNSIGNED NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  create_date DATETIME NOT NULL,
  ${STAMP},
  PRIMARY KEY (customer_id),
  KEY idx_fk_store_id (store_id),
  KEY idx_fk_address_id (address_id),
  KEY idx_last_name (last_name),
  CONSTRAINT fk_customer_address FOREIGN KEY (address_id) REFERENCES address (address_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_customer_store FOREIGN KEY (store_id) REFERENCES store (store_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE inventory (
  inventory_id MEDIUMINT UNSIGNED NOT NULL AUTO_INCREMENT,
  film_id SMALLINT UNSIGNED NOT NULL,
  store_id TINYINT UNSIGNED NOT NULL,
  ${STAMP},
  PRIMARY KEY (inventory_id),
  KEY idx_fk_film_id (film_id),
  KEY idx_store_id_film_id (store_id, film_id),
  CONSTRAINT fk_inventory_store FOREIGN KEY (store_id) REFERENCES store (store_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_inventory_film FOREIGN KEY (film_id) REFERENCES film (film_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE rental (
  rental_id INT NOT NULL AUTO_INCREMENT,
  rental_date DATETIME NOT NULL,
  inventory_id MEDIUMINT UNSIGNED NOT NULL,
  customer_id SMALLINT UNSIGNED NOT NULL,
  return_date DATETIME DEFAULT NULL,
  staff_id TINYINT UNSIGNED NOT NULL,
  ${STAMP},
  PRIMARY KEY (rental_id),
  UNIQUE KEY (rental_date, inventory_id, customer_id),
  KEY idx_fk_inventory_id (inventory_id),
  KEY idx_fk_customer_id (customer_id),
  KEY idx_fk_staff_id (staff_id),
  CONSTRAINT fk_rental_staff FOREIGN KEY (staff_id) REFERENCES staff (staff_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_rental_inventory FOREIGN KEY (inventory_id) REFERENCES inventory (inventory_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_rental_customer FOREIGN KEY (customer_id) REFERENCES customer (customer_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE payment (
  payment_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  customer_id SMALLINT UNSIGNED NOT NULL,
  staff_id TINYINT UNSIGNED NOT NULL,
  rental_id INT DEFAULT NULL,
  amount DECIMAL(5,2) NOT NULL,
  payment_date DATETIME NOT NULL,
  ${STAMP},
  PRIMARY KEY (payment_id),
  KEY idx_fk_staff_id (staff_id),
  KEY idx_fk_customer_id (customer_id),
  CONSTRAINT fk_payment_rental FOREIGN KEY (rental_id) REFERENCES rental (rental_id) ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT fk_payment_customer FOREIGN KEY (customer_id) REFERENCES customer (customer_id) ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT fk_payment_staff FOREIGN KEY (staff_id) REFERENCES staff (staff_id) ON DELETE RESTRICT ON UPDATE CASCADE
) ${TAIL};`,
  `CREATE TABLE supplier (
  supplier_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(80) NOT NULL COMMENT 'trading name',
  address_id SMALLINT UNSIGNED NOT NULL,
  ${STAMP},
  PRIMARY KEY (supplier_id),
  CONSTRAINT fk_supplier_address FOREIGN KEY (address_id) REFERENCES address (address_id)
) ${TAIL} COMMENT='who sells us films';`,
  `CREATE TABLE purchase_order (
  order_id INT NOT NULL AUTO_INCREMENT,
  supplier_id SMALLINT UNSIGNED NOT NULL,
  store_id TINYINT UNSIGNED NOT NULL,
  ordered_at DATETIME NOT NULL,
  total DECIMAL(9,2) NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id),
  CONSTRAINT fk_po_supplier FOREIGN KEY (supplier_id) REFERENCES supplier (supplier_id),
  CONSTRAINT fk_po_store FOREIGN KEY (store_id) REFERENCES store (store_id)
) ${TAIL};`,
  `CREATE TABLE order_line (
  order_id INT NOT NULL,
  line_no SMALLINT NOT NULL,
  film_id SMALLINT UNSIGNED NOT NULL,
  qty SMALLINT NOT NULL,
  price DECIMAL(5,2) NOT NULL,
  amount DECIMAL(9,2) AS (qty * price) STORED,
  PRIMARY KEY (order_id, line_no),
  CONSTRAINT fk_ol_order FOREIGN KEY (order_id) REFERENCES purchase_order (order_id) ON DELETE CASCADE,
  CONSTRAINT fk_ol_film FOREIGN KEY (film_id) REFERENCES film (film_id)
) ${TAIL};`,
  `CREATE TABLE audit_log (
  id BIGINT NOT NULL AUTO_INCREMENT,
  what VARCHAR(200) NOT NULL,
  at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ${TAIL};`,
];

/** Extended INSERTs, as mysqldump writes them: many rows per statement, in FK order. */
function data(n: number): string {
  const rows = (count: number, row: (i: number) => string) =>
    Array.from({ length: count }, (_, k) => row(k + 1)).join(',');
  const few = Math.max(2, Math.floor(n / 20));
  const day = (i: number) =>
    `'2026-0${(i % 9) + 1}-${String((i % 28) + 1).padStart(2, '0')} 10:00:00'`;
  const inserts: Array<[string, number, (i: number) => string]> = [
    ['country', few, (i) => `(${i},'Country ${i}',NOW())`],
    ['city', few * 2, (i) => `(${i},'City ${i}',${(i % few) + 1},NOW())`],
    [
      'address',
      n,
      (i) =>
        `(${i},'${i} Main St',NULL,'District',${(i % (few * 2)) + 1},'${10000 + i}','555-${i}',NOW())`,
    ],
    ['language', 6, (i) => `(${i},'Lang ${i}',NOW())`],
    ['category', 16, (i) => `(${i},'Category ${i}',NOW())`],
    ['actor', n, (i) => `(${i},'FIRST${i}','LAST${i % 50}',NOW())`],
    [
      'film',
      n,
      (i) =>
        `(${i},'FILM ${i}','A film about ${i} things',2006,${(i % 6) + 1},NULL,3,4.99,${60 + (i % 120)},19.99,'PG','Trailers,Deleted Scenes',NOW())`,
    ],
    ['film_actor', n, (i) => `(${i},${((i * 7) % n) + 1},NOW())`],
    ['film_category', n, (i) => `(${i},${(i % 16) + 1},NOW())`],
    ['film_text', n, (i) => `(${i},'FILM ${i}','A film about ${i} things')`],
    ['store', 2, (i) => `(${i},${i},${i},NOW())`],
    [
      'staff',
      2,
      (i) => `(${i},'Staff','${i}',${i},'s${i}@example.com',${i},1,'staff${i}',NULL,NOW())`,
    ],
    [
      'customer',
      n,
      (i) =>
        `(${i},${(i % 2) + 1},'C${i}','L${i % 40}','c${i}@example.com',${i},1,${day(i)},NOW())`,
    ],
    ['inventory', n, (i) => `(${i},${i},${(i % 2) + 1},NOW())`],
    ['rental', n, (i) => `(${i},${day(i)},${i},${i},NULL,${(i % 2) + 1},NOW())`],
    ['payment', n, (i) => `(${i},${i},${(i % 2) + 1},${i},${(i % 10) + 0.99},${day(i)},NOW())`],
    ['supplier', few, (i) => `(${i},'Supplier ${i}',${i},NOW())`],
    ['purchase_order', few, (i) => `(${i},${i},${(i % 2) + 1},${day(i)},0)`],
  ];
  const lines = inserts.map(([t, count, row]) => `INSERT INTO ${t} VALUES ${rows(count, row)};`);
  lines.push(
    `INSERT INTO order_line (order_id, line_no, film_id, qty, price) VALUES ${rows(few, (i) => `(${i},1,${i},${(i % 5) + 1},9.99)`)};`,
  );
  return `${lines.join('\n')}\n`;
}

const VIEWS = [
  `CREATE VIEW customer_list AS
SELECT cu.customer_id AS ID, CONCAT(cu.first_name, ' ', cu.last_name) AS name, a.address AS address,
  a.postal_code AS \`zip code\`, a.phone AS phone, city.city AS city, country.country AS country,
  IF(cu.active, 'active', '') AS notes, cu.store_id AS SID
FROM customer AS cu JOIN address AS a ON cu.address_id = a.address_id JOIN city ON a.city_id = city.city_id
  JOIN country ON city.country_id = country.country_id;`,
  `CREATE VIEW film_list AS
SELECT film.film_id AS FID, film.title AS title, film.description AS description, category.name AS category,
  film.rental_rate AS price, film.length AS length, film.rating AS rating,
  GROUP_CONCAT(CONCAT(actor.first_name, ' ', actor.last_name) SEPARATOR ', ') AS actors
FROM category LEFT JOIN film_category ON category.category_id = film_category.category_id
  LEFT JOIN film ON film_category.film_id = film.film_id
  JOIN film_actor ON film.film_id = film_actor.film_id JOIN actor ON film_actor.actor_id = actor.actor_id
GROUP BY film.film_id, category.name;`,
  `CREATE VIEW staff_list AS
SELECT s.staff_id AS ID, CONCAT(s.first_name, ' ', s.last_name) AS name, a.address AS address,
  a.postal_code AS \`zip code\`, a.phone AS phone, city.city AS city, country.country AS country, s.store_id AS SID
FROM staff AS s JOIN address AS a ON s.address_id = a.address_id JOIN city ON a.city_id = city.city_id
  JOIN country ON city.country_id = country.country_id;`,
  `CREATE VIEW sales_by_store AS
SELECT CONCAT(c.city, ',', cy.country) AS store, CONCAT(m.first_name, ' ', m.last_name) AS manager, SUM(p.amount) AS total_sales
FROM payment AS p INNER JOIN rental AS r ON p.rental_id = r.rental_id
  INNER JOIN inventory AS i ON r.inventory_id = i.inventory_id INNER JOIN store AS s ON i.store_id = s.store_id
  INNER JOIN address AS a ON s.address_id = a.address_id INNER JOIN city AS c ON a.city_id = c.city_id
  INNER JOIN country AS cy ON c.country_id = cy.country_id INNER JOIN staff AS m ON s.manager_staff_id = m.staff_id
GROUP BY s.store_id ORDER BY cy.country, c.city;`,
  `CREATE VIEW sales_by_film_category AS
SELECT c.name AS category, SUM(p.amount) AS total_sales
FROM payment AS p INNER JOIN rental AS r ON p.rental_id = r.rental_id
  INNER JOIN inventory AS i ON r.inventory_id = i.inventory_id INNER JOIN film AS f ON i.film_id = f.film_id
  INNER JOIN film_category AS fc ON f.film_id = fc.film_id INNER JOIN category AS c ON fc.category_id = c.category_id
GROUP BY c.name ORDER BY total_sales DESC;`,
  `CREATE VIEW actor_info AS
SELECT a.actor_id, a.first_name, a.last_name, COUNT(fa.film_id) AS films
FROM actor AS a LEFT JOIN film_actor AS fa ON a.actor_id = fa.actor_id GROUP BY a.actor_id, a.first_name, a.last_name;`,
  `CREATE VIEW busy_actors AS SELECT actor_id, first_name, last_name FROM actor_info WHERE films > 0;`,
];

const ROUTINES = `DELIMITER //
CREATE PROCEDURE rewards_report (IN min_monthly_purchases TINYINT UNSIGNED, OUT count_rewardees INT)
    READS SQL DATA
    COMMENT 'Provides a customizable report on best customers'
proc: BEGIN
    DECLARE last_month_start DATE;
    IF min_monthly_purchases = 0 THEN
        SELECT 'Minimum monthly purchases parameter must be > 0';
        LEAVE proc;
    END IF;
    SET last_month_start = DATE_SUB(CURRENT_DATE(), INTERVAL 1 MONTH);
    SELECT COUNT(*) INTO count_rewardees FROM payment
     WHERE payment_date >= last_month_start GROUP BY customer_id HAVING COUNT(customer_id) > min_monthly_purchases LIMIT 1;
END //
CREATE FUNCTION get_customer_balance(p_customer_id INT, p_effective_date DATETIME) RETURNS DECIMAL(5,2)
    DETERMINISTIC
    READS SQL DATA
BEGIN
  DECLARE v_rentfees DECIMAL(5,2);
  DECLARE v_payments DECIMAL(5,2);
  SELECT IFNULL(SUM(film.rental_rate), 0) INTO v_rentfees FROM film, inventory, rental
   WHERE film.film_id = inventory.film_id AND inventory.inventory_id = rental.inventory_id
     AND rental.rental_date <= p_effective_date AND rental.customer_id = p_customer_id;
  SELECT IFNULL(SUM(payment.amount), 0) INTO v_payments FROM payment
   WHERE payment.payment_date <= p_effective_date AND payment.customer_id = p_customer_id;
  RETURN v_rentfees - v_payments;
END //
CREATE PROCEDURE film_in_stock(IN p_film_id INT, IN p_store_id INT, OUT p_film_count INT)
READS SQL DATA
BEGIN
     SELECT inventory_id FROM inventory WHERE film_id = p_film_id AND store_id = p_store_id AND inventory_in_stock(inventory_id);
     SELECT FOUND_ROWS() INTO p_film_count;
END //
CREATE PROCEDURE film_not_in_stock(IN p_film_id INT, IN p_store_id INT, OUT p_film_count INT)
READS SQL DATA
BEGIN
     SELECT inventory_id FROM inventory WHERE film_id = p_film_id AND store_id = p_store_id AND NOT inventory_in_stock(inventory_id);
     SELECT FOUND_ROWS() INTO p_film_count;
END //
CREATE FUNCTION inventory_held_by_customer(p_inventory_id INT) RETURNS INT
READS SQL DATA
BEGIN
  DECLARE v_customer_id INT;
  DECLARE EXIT HANDLER FOR NOT FOUND RETURN NULL;
  SELECT customer_id INTO v_customer_id FROM rental WHERE return_date IS NULL AND inventory_id = p_inventory_id;
  RETURN v_customer_id;
END //
CREATE FUNCTION inventory_in_stock(p_inventory_id INT) RETURNS BOOLEAN
READS SQL DATA
BEGIN
    DECLARE v_rentals INT;
    DECLARE v_out INT;
    SELECT COUNT(*) INTO v_rentals FROM rental WHERE inventory_id = p_inventory_id;
    IF v_rentals = 0 THEN
      RETURN TRUE;
    END IF;
    SELECT COUNT(rental_id) INTO v_out FROM inventory LEFT JOIN rental USING(inventory_id)
     WHERE inventory.inventory_id = p_inventory_id AND rental.return_date IS NULL;
    RETURN v_out = 0;
END //
DELIMITER ;
`;

const TRIGGERS = `DELIMITER ;;
CREATE TRIGGER ins_film AFTER INSERT ON film FOR EACH ROW BEGIN
    INSERT INTO film_text (film_id, title, description) VALUES (new.film_id, new.title, new.description);
  END;;
CREATE TRIGGER upd_film AFTER UPDATE ON film FOR EACH ROW BEGIN
    IF (old.title != new.title) OR (old.description != new.description) OR (old.film_id != new.film_id) THEN
        UPDATE film_text SET title = new.title, description = new.description, film_id = new.film_id
        WHERE film_id = old.film_id;
    END IF;
  END;;
CREATE TRIGGER del_film AFTER DELETE ON film FOR EACH ROW BEGIN
    DELETE FROM film_text WHERE film_id = old.film_id;
  END;;
CREATE TRIGGER customer_create_date BEFORE INSERT ON customer FOR EACH ROW SET NEW.create_date = NOW();;
CREATE TRIGGER payment_date BEFORE INSERT ON payment FOR EACH ROW SET NEW.payment_date = NOW();;
CREATE TRIGGER rental_date BEFORE INSERT ON rental FOR EACH ROW SET NEW.rental_date = NOW();;
CREATE TRIGGER audit_order AFTER INSERT ON purchase_order FOR EACH ROW
    INSERT INTO audit_log (what) VALUES (CONCAT('order ', NEW.order_id));;
DELIMITER ;
`;
