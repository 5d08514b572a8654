// SPDX-License-Identifier: MIT
// An in-process CollabServer on 127.0.0.1 (ephemeral port) plus the clients
// a test opened; everything is torn down after each test function.
#pragma once

#include "CollabServer.h"
#include "TestSupport.h"

#include <QTest>
#include <memory>
#include <vector>

class ServerFixture
{
public:
    bool start(Optiverse::Collab::ServerConfig config = {})
    {
        server = std::make_unique<Optiverse::Collab::CollabServer>(std::move(config));
        QString error;
        if (!server->listen(QHostAddress(QHostAddress::LocalHost), 0, &error)) {
            qWarning() << "listen failed:" << error;
            return false;
        }
        return true;
    }
    void stop()
    {
        clients.clear();
        server.reset();
    }
    quint16 port() const { return server->port(); }

    /// Opens a client and waits for its connection:ack (nullptr on timeout).
    TestSupport::Client *join(const QString &session, const QString &user,
                              const QByteArray &caps = QByteArrayLiteral("seq, presence"))
    {
        TestSupport::Client *c = open(session, user, caps);
        return c->waitConnected() ? c : nullptr;
    }
    TestSupport::Client *open(const QString &session, const QString &user,
                              const QByteArray &caps = QByteArrayLiteral("seq, presence"))
    {
        clients.push_back(std::make_unique<TestSupport::Client>());
        clients.back()->open(port(), session, user, caps);
        return clients.back().get();
    }
    /// An original Optiverse client: no capabilities header.
    TestSupport::Client *joinOriginal(const QString &session, const QString &user)
    {
        return join(session, user, QByteArray());
    }

    std::unique_ptr<Optiverse::Collab::CollabServer> server;
    std::vector<std::unique_ptr<TestSupport::Client>> clients;
};
