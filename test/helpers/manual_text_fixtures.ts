/**
 * The collections of the MongoDB manual's text search pages (the `$text` operator reference and the text search
 * tutorial), so tests can compare eddydb's answers with the manual's.
 */

/** The `$text` reference page's `articles`, searched on `subject`. */
export const articles = [
  { _id: 1, subject: 'coffee', author: 'xyz', views: 50 },
  { _id: 2, subject: 'Coffee Shopping', author: 'efg', views: 5 },
  { _id: 3, subject: 'Baking a cake', author: 'abc', views: 90 },
  { _id: 4, subject: 'baking', author: 'xyz', views: 100 },
  { _id: 5, subject: 'Café Con Leche', author: 'abc', views: 200 },
  { _id: 6, subject: 'Сырники', author: 'jkl', views: 80 },
  { _id: 7, subject: 'coffee and cream', author: 'efg', views: 10 },
  { _id: 8, subject: 'Cafe con Leche', author: 'xyz', views: 10 },
];

/** The text search tutorial's `stores`, searched on `name` and `description`. */
export const stores = [
  { _id: 1, name: 'Java Hut', description: 'Coffee and cakes' },
  { _id: 2, name: 'Burger Buns', description: 'Gourmet hamburgers' },
  { _id: 3, name: 'Coffee Shop', description: 'Just coffee' },
  { _id: 4, name: 'Clothes Clothes Clothes', description: 'Discount clothing' },
  { _id: 5, name: 'Java Shopping', description: 'Indonesian goods' },
];
