// ws-broadcast.js: the floor for bench/: a node + ws server that relays
// each text message to every member of its room, nothing stored.
// "j<room>" joins a room (answered "ok"); any other message is relayed.
// Usage: node ws-broadcast.js PORT
'use strict';
const { WebSocketServer } = require('ws');

const rooms = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) });

wss.on('connection', (ws) => {
	let room = null;
	ws.on('message', (data, isBinary) => {
		if (room === null && !isBinary && data[0] === 0x6a /* j */) {
			room = data.toString('utf8', 1);
			if (!rooms.has(room)) rooms.set(room, new Set());
			rooms.get(room).add(ws);
			ws.send('ok');
			return;
		}
		if (room === null) return;
		for (const peer of rooms.get(room)) peer.send(data, { binary: isBinary });
	});
	ws.on('close', () => {
		if (room !== null) rooms.get(room).delete(ws);
	});
});
