// SPDX-License-Identifier: MIT
#pragma once

#include "HostileSocket.h"

#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

/**
 * A persistent attacker: @p size raw sockets from one source address, each
 * sending the same bytes on connect (a request, half a request, nothing) and,
 * whenever the server drops it, connecting again after a delay. Reports each
 * drop with what the server said last.
 */
class Swarm : public QObject
{
    Q_OBJECT
public:
    Swarm(const QHostAddress &source, quint16 port, const QByteArray &payload, int size, QObject *parent = nullptr);
    ~Swarm() override;

    /// Milliseconds before a dropped socket connects again; -1: it does not.
    void setReconnectDelay(int ms) { m_reconnectMs = ms; }
    void start();
    /// Closes every socket and stops reconnecting.
    void stop();

    QHostAddress source() const { return m_source; }
    /// Sockets connected right now, and those of them upgraded to WebSocket.
    int connectedCount() const;
    int upgradedCount() const;
    int attempts() const { return m_attempts; }
    int drops() const { return m_drops; }

signals:
    /// One socket was dropped; @p closeCode is -1 when no close frame came.
    void dropped(int closeCode, const QString &closeReason, const QList<QByteArray> &texts);

private:
    void launch(size_t slot);
    void onUnconnected(size_t slot);

    const QHostAddress m_source;
    const quint16 m_port;
    const QByteArray m_payload;
    std::vector<std::unique_ptr<HostileSocket>> m_sockets;
    int m_reconnectMs = -1;
    int m_attempts = 0;
    int m_drops = 0;
    bool m_running = false;
};
