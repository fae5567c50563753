import { Decimal128 } from '../../src/bson/index.js';

/** Collections of the MongoDB manual's examples for the aggregation stages, as the manual inserts them. */

const dec = (s: string): Decimal128 => Decimal128.fromString(s);

/** The artists of the manual's $bucket example. */
export const artists = [
  { _id: 1, last_name: 'Bernard', first_name: 'Emil', year_born: 1868, year_died: 1941, nationality: 'France' },
  { _id: 2, last_name: 'Rippl-Ronai', first_name: 'Joszef', year_born: 1861, year_died: 1927, nationality: 'Hungary' },
  { _id: 3, last_name: 'Ostroumova', first_name: 'Anna', year_born: 1871, year_died: 1955, nationality: 'Russia' },
  { _id: 4, last_name: 'Van Gogh', first_name: 'Vincent', year_born: 1853, year_died: 1890, nationality: 'Holland' },
  { _id: 5, last_name: 'Maurer', first_name: 'Alfred', year_born: 1868, year_died: 1932, nationality: 'USA' },
  { _id: 6, last_name: 'Munch', first_name: 'Edvard', year_born: 1863, year_died: 1944, nationality: 'Norway' },
  { _id: 7, last_name: 'Redon', first_name: 'Odilon', year_born: 1840, year_died: 1916, nationality: 'France' },
  { _id: 8, last_name: 'Diriks', first_name: 'Edvard', year_born: 1855, year_died: 1930, nationality: 'Norway' },
];

/** The artwork of the manual's $bucketAuto and $facet examples (prices are decimals). */
export const artwork = [
  { _id: 1, title: 'The Pillars of Society', artist: 'Grosz', year: 1926, price: dec('199.99') },
  { _id: 2, title: 'Melancholy III', artist: 'Munch', year: 1902, price: dec('280.00') },
  { _id: 3, title: 'Dancer', artist: 'Miro', year: 1925, price: dec('76.04') },
  { _id: 4, title: 'The Great Wave off Kanagawa', artist: 'Hokusai', price: dec('167.30') },
  { _id: 5, title: 'The Persistence of Memory', artist: 'Dali', year: 1931, price: dec('483.00') },
  { _id: 6, title: 'Composition VII', artist: 'Kandinsky', year: 1913, price: dec('385.00') },
  { _id: 7, title: 'The Scream', artist: 'Munch', year: 1893 },
  { _id: 8, title: 'Blue Flower', artist: "O'Keefe", year: 1918, price: dec('118.42') },
];


const date = (s: string): Date => new Date(s);

/** The weather readings of the manual's $densify time-series example. */
export const weather = [
  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: date('2021-05-18T00:00:00.000Z'), temp: 12 },
  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: date('2021-05-18T04:00:00.000Z'), temp: 11 },
  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: date('2021-05-18T08:00:00.000Z'), temp: 11 },
  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: date('2021-05-18T12:00:00.000Z'), temp: 12 },
];

/** The coffee of the manual's $densify partition examples. */
export const coffee = [
  { altitude: 600, variety: 'Arabica Typica', score: 68.3 },
  { altitude: 750, variety: 'Arabica Typica', score: 69.5 },
  { altitude: 950, variety: 'Arabica Typica', score: 70.5 },
  { altitude: 1250, variety: 'Gesha', score: 88.15 },
  { altitude: 1700, variety: 'Gesha', score: 95.5, price: 1029 },
];

/** The daily shoe sales of the manual's $fill constant-value example. */
export const dailySales = [
  { date: date('2022-02-02'), bootsSold: 10, sandalsSold: 20, sneakersSold: 12 },
  { date: date('2022-02-03'), bootsSold: 7, sneakersSold: 18 },
  { date: date('2022-02-04'), sneakersSold: 5 },
];

/** The stock prices of the manual's $fill linear-interpolation example. */
export const stock = [
  { time: date('2021-03-08T09:00:00.000Z'), price: 500 },
  { time: date('2021-03-08T10:00:00.000Z') },
  { time: date('2021-03-08T11:00:00.000Z'), price: 515 },
  { time: date('2021-03-08T12:00:00.000Z') },
  { time: date('2021-03-08T13:00:00.000Z') },
  { time: date('2021-03-08T14:00:00.000Z'), price: 485 },
];

/** The scores of the manual's $fill last-observation-carried-forward example. */
export const restaurantReviews = [
  { date: date('2021-03-08'), score: 90 },
  { date: date('2021-03-09'), score: 92 },
  { date: date('2021-03-10') },
  { date: date('2021-03-11') },
  { date: date('2021-03-12'), score: 85 },
  { date: date('2021-03-13') },
];

/** The scores of two restaurants, from the manual's $fill partition example. */
export const restaurantReviewsMultiple = [
  { date: date('2021-03-08'), restaurant: "Joe's Pizza", score: 90 },
  { date: date('2021-03-08'), restaurant: "Sally's Deli", score: 75 },
  { date: date('2021-03-09'), restaurant: "Joe's Pizza", score: 92 },
  { date: date('2021-03-09'), restaurant: "Sally's Deli" },
  { date: date('2021-03-10'), restaurant: "Joe's Pizza" },
  { date: date('2021-03-10'), restaurant: "Sally's Deli", score: 68 },
  { date: date('2021-03-11'), restaurant: "Joe's Pizza", score: 93 },
  { date: date('2021-03-11'), restaurant: "Sally's Deli" },
];
