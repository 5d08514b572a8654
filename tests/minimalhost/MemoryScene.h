// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/iscene.h>
#include <optiverse/isceneobserver.h>

#include <QHash>
#include <QList>

/// An IScene kept in a hash, written from interfaces/ alone: what a
/// third-party host needs at the least. Counts what it was asked to do.
class MemoryScene : public Optiverse::IScene
{
public:
    QList<Optiverse::SceneItem> items() const override;
    Optiverse::SceneItem item(const QUuid &uuid) const override;
    bool addItem(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin, QString *errorString) override;
    bool moveItem(const QUuid &uuid, double xMm, double yMm, double angleDeg, Optiverse::ChangeOrigin origin,
                  QString *errorString) override;
    bool updateItem(const QUuid &uuid, const QJsonObject &data, Optiverse::ChangeOrigin origin,
                    QString *errorString) override;
    bool removeItem(const QUuid &uuid, Optiverse::ChangeOrigin origin, QString *errorString) override;
    void addObserver(Optiverse::ISceneObserver *observer) override;
    void removeObserver(Optiverse::ISceneObserver *observer) override;

    /// The scene as a sorted, comparable JSON text (like --dump-scene).
    QByteArray dump() const;
    int remoteChanges = 0;
    /// Types addItem() refuses, as a host that cannot show them would.
    QStringList refusedTypes;

private:
    template<typename F> void notify(F f);
    QHash<QUuid, Optiverse::SceneItem> m_items;
    QList<Optiverse::ISceneObserver *> m_observers;
};
