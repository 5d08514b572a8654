// SPDX-License-Identifier: MIT
#include "Swarm.h"

Swarm::Swarm(const QHostAddress &source, quint16 port, const QByteArray &payload, int size, QObject *parent)
    : QObject(parent), m_source(source), m_port(port), m_payload(payload), m_sockets(size_t(size))
{
}

Swarm::~Swarm()
{
    stop();
}

void Swarm::start()
{
    m_running = true;
    for (size_t i = 0; i < m_sockets.size(); ++i)
        launch(i);
}

void Swarm::stop()
{
    m_running = false;
    for (auto &s : m_sockets) {
        if (s)
            s->socket()->disconnect(this);
        s.reset();
    }
}

int Swarm::connectedCount() const
{
    int n = 0;
    for (const auto &s : m_sockets)
        n += s && !s->disconnected && s->socket()->state() == QAbstractSocket::ConnectedState;
    return n;
}

int Swarm::upgradedCount() const
{
    int n = 0;
    for (const auto &s : m_sockets)
        n += s && !s->disconnected && s->upgraded() && s->socket()->state() == QAbstractSocket::ConnectedState;
    return n;
}

void Swarm::launch(size_t slot)
{
    if (!m_running)
        return;
    if (m_sockets[slot]) {
        m_sockets[slot]->socket()->disconnect(this);
        // Not inside its own signal: the old socket goes on the next turn of the loop.
        m_sockets[slot].release()->deleteLater();
    }
    auto s = std::make_unique<HostileSocket>();
    connect(s->socket(), &QAbstractSocket::stateChanged, this, [this, slot](QAbstractSocket::SocketState state) {
        // After the socket's disconnected(), which reads what arrived last.
        if (state == QAbstractSocket::UnconnectedState)
            QTimer::singleShot(0, this, [this, slot] { onUnconnected(slot); });
    });
    s->connectTo(m_port, m_source);
    if (!m_payload.isEmpty())
        s->write(m_payload);
    ++m_attempts;
    m_sockets[slot] = std::move(s);
}

void Swarm::onUnconnected(size_t slot)
{
    if (!m_sockets[slot])
        return;
    HostileSocket &s = *m_sockets[slot];
    s.socket()->disconnect(this);
    ++m_drops;
    emit dropped(s.closeCode, s.closeReason, s.texts);
    if (m_running && m_reconnectMs >= 0)
        QTimer::singleShot(m_reconnectMs, this, [this, slot] { launch(slot); });
}
