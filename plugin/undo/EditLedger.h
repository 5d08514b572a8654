// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/isceneobserver.h>

#include <QElapsedTimer>
#include <QHash>
#include <QJsonValue>
#include <QObject>
#include <functional>

namespace Optiverse {
class IScene;
}

namespace Optiverse::Collab {

class Command;
class SyncManager;

/**
 * Who wrote each property of each item last, and when: the local user (the
 * scene's Local changes, undo and redo included) or a remote user (the
 * commands SyncManager applied for them). Collaborative undo asks it whether
 * someone else changed a value after the local user; overwrite notices come
 * from it.
 *
 * A remote command counts for a property only if the scene shows its value
 * afterwards: while a local edit of that property is on its way, the
 * session's order puts the remote value before ours, and the scene keeps ours.
 */
class EditLedger : public QObject, public Optiverse::ISceneObserver
{
    Q_OBJECT
public:
    struct Write
    {
        QString userId;  ///< empty: the local user
        qint64 atMs = -1; ///< on clock(); -1: nobody wrote it since we know the item
        QJsonValue value; ///< the value written (local writes only: what "yours" was)
        bool byAdd = false; ///< written by adding the item: a start, not a change anyone overwrites
        bool isRemote() const { return atMs >= 0 && !userId.isEmpty(); }
    };

    EditLedger(Optiverse::IScene *scene, SyncManager *sync, QObject *parent = nullptr);
    ~EditLedger() override;

    /// The last write of @p key of @p uuid.
    Write lastWrite(const QUuid &uuid, const QString &key) const;
    /// The latest write by another user to any property of @p uuid (atMs -1: none).
    Write lastRemoteWrite(const QUuid &uuid) const;
    /// The remote user who removed @p uuid (empty: unknown or not removed remotely).
    QString removedBy(const QUuid &uuid) const { return m_removedBy.value(uuid); }
    /// A remote write within this long of our own write to the same property is an overwrite (default 10 s).
    void setOverwriteWindow(int ms) { m_windowMs = ms; }
    /// Items the local user still has open (e.g. in the host's properties
    /// dialog): a remote write to what they wrote is an overwrite however old
    /// their write is. Empty: the window alone decides.
    void setStillOpen(std::function<bool(const QUuid &)> isOpen) { m_stillOpen = std::move(isOpen); }
    qint64 nowMs() const { return m_clock.elapsed(); }

    // ISceneObserver (the local user's writes)
    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys,
                     Optiverse::ChangeOrigin origin) override;
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;

signals:
    /// @p userId overwrote @p keys of @p item (its state now) that the local
    /// user had written within the overwrite window; @p mine holds our values.
    void overwritten(const QString &userId, const Optiverse::SceneItem &item, const QStringList &keys,
                     const QJsonObject &mine);

private:
    void recordLocal(const Optiverse::SceneItem &item, const QStringList &keys, bool byAdd = false);
    void onRemoteCommand(const QString &userId, const Command &command);

    Optiverse::IScene *m_scene;
    QHash<QUuid, QHash<QString, Write>> m_writes;
    QHash<QUuid, QString> m_removedBy;
    // Our writes to items others removed: an item brought back with the
    // values we wrote (their Undo or Redo) keeps them as ours, since
    // re-creating is then no change of ours. Bounded: the oldest go first.
    QHash<QUuid, QHash<QString, Write>> m_oursBeforeRemoval;
    static constexpr qsizetype MaxRemovedItemsKept = 1024;
    QElapsedTimer m_clock;
    int m_windowMs = 10000;
    std::function<bool(const QUuid &)> m_stillOpen;
};

} // namespace Optiverse::Collab
