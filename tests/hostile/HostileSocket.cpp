// SPDX-License-Identifier: MIT
#include "HostileSocket.h"

#include "WsFrame.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QtEndian>

HostileSocket::HostileSocket(QObject *parent) : QObject(parent), m_random(4242)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &HostileSocket::onReadyRead);
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
        if (m_socket.isOpen())
            onReadyRead();
        disconnected = true;
    });
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::SocketTimeoutError && m_socket.state() == QAbstractSocket::UnconnectedState)
            disconnected = true;
    });
    connect(&m_socket, &QTcpSocket::bytesWritten, this, [this](qint64 n) { bytesSent += n; });
}

HostileSocket::~HostileSocket()
{
    // The socket outlives the members its signals touch: cut it off first.
    m_socket.disconnect(this);
    m_socket.abort();
}

void HostileSocket::connectTo(quint16 port, const QHostAddress &source)
{
    if (!source.isNull())
        m_socket.bind(source);
    m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
}

void HostileSocket::open(quint16 port, const QByteArray &path, const QHostAddress &source)
{
    connectTo(port, source);
    write(upgradeRequest(port, path));
}

QByteArray HostileSocket::upgradeRequest(quint16 port, const QByteArray &path, const QByteArray &extraHeaders,
                                         bool withKey, const QByteArray &version)
{
    QByteArray r = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    if (withKey)
        r += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    if (!version.isNull())
        r += "Sec-WebSocket-Version: " + version + "\r\n";
    return r + extraHeaders + "\r\n";
}

QByteArray HostileSocket::frameHeader(quint8 opcode, quint64 length, bool fin, const QByteArray &maskKey)
{
    QByteArray h;
    h.append(char((fin ? 0x80 : 0) | (opcode & 0x0F)));
    const char maskBit = maskKey.isEmpty() ? 0 : char(0x80);
    if (length < 126) {
        h.append(char(maskBit | char(length)));
    } else if (length < 65536) {
        h.append(char(maskBit | 126));
        h.append(char((length >> 8) & 0xFF));
        h.append(char(length & 0xFF));
    } else {
        h.append(char(maskBit | 127));
        for (int i = 7; i >= 0; --i)
            h.append(char((length >> (8 * i)) & 0xFF));
    }
    return h + maskKey;
}

QByteArray HostileSocket::frame(quint8 opcode, const QByteArray &payload, bool fin, bool masked, quint8 rsv)
{
    QByteArray key;
    if (masked) {
        const quint32 k = m_random.generate() | 0x01010101u; // never an all-zero key
        key.resize(4);
        qToBigEndian(k, key.data());
    }
    QByteArray f = frameHeader(opcode, quint64(payload.size()), fin, key);
    f[0] = char(f[0] | ((rsv & 0x7) << 4));
    QByteArray body = payload;
    if (masked) {
        for (qsizetype i = 0; i < body.size(); ++i)
            body[i] = char(body[i] ^ key[i % 4]);
    }
    return f + body;
}

void HostileSocket::stopReading()
{
    m_reading = false;
    m_socket.setReadBufferSize(1024);
    m_socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
}

bool HostileSocket::waitConnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState || disconnected; },
                           timeoutMs)
        && m_socket.state() == QAbstractSocket::ConnectedState;
}

bool HostileSocket::waitResponse(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_headDone || disconnected; }, timeoutMs);
}

bool HostileSocket::waitClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return closeCode != -1 || disconnected; }, timeoutMs);
}

bool HostileSocket::waitDisconnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return disconnected; }, timeoutMs);
}

QByteArray HostileSocket::waitForType(const QByteArray &type, int timeoutMs)
{
    QByteArray found;
    qsizetype seen = 0;
    [[maybe_unused]] const bool done = QTest::qWaitFor([&] {
        for (; seen < texts.size(); ++seen) {
            const QJsonObject o = QJsonDocument::fromJson(texts.at(seen)).object();
            if (o.value(QLatin1String("type")).toString().toUtf8() == type) {
                found = texts.at(seen);
                return true;
            }
        }
        return disconnected;
    }, timeoutMs);
    return found;
}

bool HostileSocket::stillServes(int timeoutMs)
{
    const qsizetype before = texts.size();
    sendText(R"({"type":"ping"})");
    return QTest::qWaitFor([&] {
        for (qsizetype i = before; i < texts.size(); ++i) {
            if (texts.at(i).contains(R"("pong")"))
                return true;
        }
        return disconnected;
    }, timeoutMs) && !disconnected;
}

void HostileSocket::onReadyRead()
{
    if (!m_reading)
        return;
    m_buffer += m_socket.readAll();
    if (!m_headDone) {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_socket.state() != QAbstractSocket::ConnectedState && !m_buffer.isEmpty())
                response = m_buffer; // a response without a blank line, then the end
            return;
        }
        m_headDone = true;
        response = m_buffer.left(end + 4);
        m_buffer.remove(0, end + 4);
        const QList<QByteArray> statusLine = response.left(response.indexOf("\r\n")).split(' ');
        httpStatus = statusLine.value(0).startsWith("HTTP/") ? statusLine.value(1).toInt() : 0;
        if (!upgraded()) {
            response += m_buffer; // body of an error response
            m_buffer.clear();
            return;
        }
    } else if (!upgraded()) {
        response += m_buffer;
        m_buffer.clear();
        return;
    }
    parseFrames();
}

void HostileSocket::parseFrames()
{
    WsFrame frame;
    while (WsFrame::take(m_buffer, &frame)) {
        const bool fin = frame.fin;
        const quint8 opcode = frame.opcode;
        const QByteArray &payload = frame.payload;
        switch (opcode) {
        case Text:
        case Continuation:
            m_fragments += payload;
            if (fin) {
                texts.append(m_fragments);
                m_fragments.clear();
            }
            break;
        case Close:
            if (payload.size() >= 2) {
                closeCode = qFromBigEndian<quint16>(reinterpret_cast<const uchar *>(payload.constData()));
                closeReason = QString::fromUtf8(payload.mid(2));
            } else {
                closeCode = 1005;
            }
            break;
        case Ping:
            if (autoPong)
                sendFrame(Pong, payload);
            break;
        default:
            break;
        }
    }
}
