// SPDX-License-Identifier: MIT
#include "PropertiesDialog.h"

#include "OpticalItem.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

#include <cmath>

PropertiesDialog::PropertiesDialog(const Optiverse::SceneItem &item, QWidget *parent)
    : QDialog(parent), m_item(item)
{
    setWindowTitle(tr("Properties of %1").arg(item.type));
    // A received item may lack parameters: they are shown with the value the
    // drawing uses (the type's default) and only become data when edited.
    m_shown = OpticalItem::defaultData(item.type);
    for (auto it = item.data.begin(); it != item.data.end(); ++it)
        m_shown.insert(it.key(), it.value());
    auto *form = new QFormLayout;
    form->addRow(tr("Id"), new QLabel(item.uuid.toString(QUuid::WithoutBraces), this));
    QStringList keys = m_shown.keys(); // sorted, so the pose keys stay together
    for (const QString &key : std::as_const(keys)) {
        const QJsonValue value = m_shown.value(key);
        QWidget *editor = nullptr;
        if (value.isDouble()) {
            auto *spin = new QDoubleSpinBox(this);
            spin->setRange(-1e9, 1e9);
            spin->setDecimals(4);
            spin->setValue(value.toDouble());
            editor = spin;
        } else if (value.isString()) {
            editor = new QLineEdit(value.toString(), this);
        } else if (value.isBool()) {
            auto *check = new QCheckBox(this);
            check->setChecked(value.toBool());
            editor = check;
        } else {
            // Arrays/objects of unknown types are shown but kept as they are.
            auto *line = new QLineEdit(QString::fromUtf8(
                QJsonDocument::fromVariant(value.toVariant()).toJson(QJsonDocument::Compact)), this);
            line->setReadOnly(true);
            form->addRow(key, line);
            continue;
        }
        m_editors.insert(key, editor);
        form->addRow(key, editor);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

QJsonObject PropertiesDialog::changes() const
{
    QJsonObject result;
    for (auto it = m_editors.cbegin(); it != m_editors.cend(); ++it) {
        const QJsonValue old = m_shown.value(it.key());
        QJsonValue now;
        if (auto *spin = qobject_cast<QDoubleSpinBox *>(it.value())) {
            // The spin box rounds to its decimals: untouched values stay as they were.
            if (std::abs(spin->value() - old.toDouble()) < 0.5 * std::pow(10.0, -spin->decimals()))
                continue;
            now = spin->value();
        } else if (auto *line = qobject_cast<QLineEdit *>(it.value())) {
            now = line->text();
        } else if (auto *check = qobject_cast<QCheckBox *>(it.value())) {
            now = check->isChecked();
        }
        if (now != old)
            result.insert(it.key(), now);
    }
    return result;
}
