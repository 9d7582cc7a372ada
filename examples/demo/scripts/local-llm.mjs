// A small OpenAI-compatible streaming server on 127.0.0.1 for the demo and the tests.
// POST /v1/chat/completions with `stream: true` answers with chat.completion.chunk events, one token each.
// Env: LOCAL_LLM_PORT (default 4010; 0 = any free port), LOCAL_LLM_TOKEN_MS (delay between tokens, default 40).
import { createServer } from 'node:http';

export function answerFor(prompt) {
  return (
    `Hello from the local model! You asked: "${prompt}". Runlight streams this answer token by token, ` +
    `straight from the task into the editor, so you can watch it arrive as it is written.`
  );
}

export function tokensOf(text) {
  return text.match(/\S+\s*/g) ?? [];
}

export function startLocalLlm({ port = 4010, tokenMs = 40 } = {}) {
  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'local-demo', object: 'model' }] }));
      return;
    }
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    let body = '';
    for await (const c of req) body += c;
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'body: not JSON' } }));
      return;
    }
    const prompt = request.messages?.at(-1)?.content ?? '';
    const text = answerFor(String(prompt));
    const id = `chatcmpl-${Date.now()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = request.model ?? 'local-demo';
    const chunk = (delta, finish = null) =>
      JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] });
    if (!request.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`data: ${chunk({ role: 'assistant', content: '' })}\n\n`);
    for (const token of tokensOf(text)) {
      if (res.destroyed) return;
      await new Promise((r) => setTimeout(r, tokenMs));
      res.write(`data: ${chunk({ content: token })}\n\n`);
    }
    res.write(`data: ${chunk({}, 'stop')}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://127.0.0.1:${actual}/v1`,
        port: actual,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.LOCAL_LLM_PORT ?? 4010);
  const tokenMs = Number(process.env.LOCAL_LLM_TOKEN_MS ?? 40);
  startLocalLlm({ port, tokenMs }).then(({ url }) => console.log(`local OpenAI-compatible server on ${url}`));
}
